// Issue 9's limits in the config file: the per-user cap and the tenant quotas map onto
// Limits; absent means unlimited; a bad value stops the broker naming the field.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { configError, serverEnv } from '../support/config-errors.js';

const base = {
  storages: [{ id: 'main', type: 's3', bucket: 'uploads', access_key_id: 'AKIA', secret_access_key: 'secret', default: true }],
  auth: { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } },
};

const refusal = (raw: object): string => configError(() => parseConfig(raw, serverEnv));

describe('config: cap on unfinished uploads and tenant quotas', () => {
  it('absent: no cap, no quota', () => {
    const { limits } = parseConfig(base, serverEnv);
    expect(limits).not.toHaveProperty('maxUnfinishedUploadsPerUser');
    expect(limits).not.toHaveProperty('tenantQuotas');
  });

  it('maps the cap, the default quota and per-tenant quotas', () => {
    const { limits } = parseConfig({ ...base, limits: { max_unfinished_uploads_per_user: 50 }, quotas: { default_tenant_bytes: 1_000, tenants: { acme: 5_000, free: 0 } } }, serverEnv);
    expect(limits.maxUnfinishedUploadsPerUser).toBe(50);
    expect(limits.tenantQuotas).toEqual({ defaultBytes: 1_000, byTenant: { acme: 5_000, free: 0 } });
    expect(parseConfig({ ...base, quotas: { tenants: { acme: 7 } } }, serverEnv).limits.tenantQuotas).toEqual({ byTenant: { acme: 7 } });
  });

  it('refuses bad values, naming the field', () => {
    expect(refusal({ ...base, limits: { max_unfinished_uploads_per_user: 0 } })).toMatch(/limits\.max_unfinished_uploads_per_user/);
    expect(refusal({ ...base, quotas: { default_tenant_bytes: -1 } })).toMatch(/quotas\.default_tenant_bytes/);
    expect(refusal({ ...base, quotas: { tenants: { acme: 1.5 } } })).toMatch(/quotas\.tenants/);
    expect(refusal({ ...base, quotas: { default_bytes: 10 } })).toMatch(/quotas/);
  });
});
