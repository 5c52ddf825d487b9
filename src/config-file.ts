// The shape of the JSON config file as schemas/config.schema.json describes it
// (wire names). config.ts validates against the schema and maps to Config.
export interface RawStorage {
  id: string;
  type: 's3' | 'azure';
  default?: boolean;
  tenants?: string[];
  bucket?: string;
  region?: string;
  endpoint?: string;
  force_path_style?: boolean;
  access_key_id?: string;
  secret_access_key?: string;
  secret_access_key_file?: string;
  sign_content_length?: boolean;
  container?: string;
  account?: string;
  account_key?: string;
  account_key_file?: string;
  ext_filter?: string[];
  mime_filter?: string[];
  max_file_size?: number;
}

export interface RawConfig {
  base_path?: string;
  demo_page?: boolean;
  trust_proxy?: boolean;
  cors_origins?: string[];
  companion?: {
    base_path?: string;
    token_secret?: string;
    token_secret_file?: string;
    token_ttl_seconds?: number;
    max_token_ttl_seconds?: number;
  };
  storages: RawStorage[];
  auth: {
    jwt?: {
      hs256_secret?: string;
      hs256_secret_file?: string;
      public_keys?: string[];
      issuer?: string;
      audience?: string;
      user_claim?: string;
      tenant_claim?: string;
      roles_claim?: string;
    };
    api_keys?: Record<string, { user: string; tenant: string; roles?: string[] }>;
  };
  limits?: {
    direct_upload_threshold?: number;
    part_url_expiry_seconds?: number;
    max_upload_expiry_minutes?: number;
    default_read_link_minutes?: number;
    max_read_link_minutes?: number;
    upload_ttl_minutes?: number;
    max_list_limit?: number;
  };
}
