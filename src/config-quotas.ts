// Issue 9's limits in the config file: `limits.max_unfinished_uploads_per_user` and
// `quotas` (domain/quotas.ts enforces them). Absent: no cap, no quota.
import type { RawConfig } from './config-file.js';
import type { Limits } from './domain/context.js';

export function toQuotaLimits(config: Pick<RawConfig, 'limits' | 'quotas'>): Pick<Limits, 'maxUnfinishedUploadsPerUser' | 'tenantQuotas'> {
  const cap = config.limits?.max_unfinished_uploads_per_user;
  const quotas = config.quotas;
  return {
    ...(cap === undefined ? {} : { maxUnfinishedUploadsPerUser: cap }),
    ...(quotas === undefined
      ? {}
      : { tenantQuotas: { byTenant: { ...quotas.tenants }, ...(quotas.default_tenant_bytes === undefined ? {} : { defaultBytes: quotas.default_tenant_bytes }) } }),
  };
}
