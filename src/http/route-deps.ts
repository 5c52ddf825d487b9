import type { Response } from 'express';
import type { Access } from '../domain/access.js';
import type { DomainContext } from '../domain/context.js';
import type { Validators } from './validation.js';

export interface RouteDeps {
  ctx: DomainContext;
  validators: Validators;
}

/** The Access that authenticate() put on the response. */
export function accessOf(res: Response): Access {
  return res.locals['access'] as Access;
}

/** The `:id` route parameter (express 5 types params loosely). */
export function idParam(params: Record<string, string | string[] | undefined>): string {
  const id = params['id'];
  return typeof id === 'string' ? id : '';
}
