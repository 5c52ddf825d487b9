import { describe, expect, it } from 'vitest';
import { extensionOf, filterRefusal, objectKeyFor, sanitiseFileName, sizeRefusal, tenantPrefix } from '../../src/domain/file-policy.js';

describe('sanitiseFileName', () => {
  it('strips client paths and keeps the base name', () => {
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
  });
  it('maps unsafe characters to _ and keeps letters of any script', () => {
    expect(sanitiseFileName('my file <1>.txt')).toBe('my_file__1_.txt');
    expect(sanitiseFileName('ünïcødé 文件.png')).toBe('ünïcødé_文件.png');
    expect(sanitiseFileName('a;b&c%d.txt')).toBe('a_b_c_d.txt');
  });
  it('does not let a name start with a dot (hidden files)', () => {
    expect(sanitiseFileName('.bashrc')).toBe('_bashrc');
  });
  it('refuses names that are empty, only unsafe, dot-dot, device names or too long', () => {
    for (const bad of ['', '/', '***', 'a..b.txt', 'CON', 'nul.txt', `${'a'.repeat(256)}.txt`]) {
      expect(() => sanitiseFileName(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_file' }));
    }
  });
});

describe('tenantPrefix', () => {
  it('is one to one: tenants that differ never share a prefix', () => {
    expect(tenantPrefix('acme.corp')).toBe('acme_2ecorp');
    expect(tenantPrefix('acme_corp')).toBe('acme_5fcorp');
    expect(tenantPrefix('ACME')).not.toBe(tenantPrefix('acme'));
    expect(tenantPrefix('')).toBe('_');
    expect(tenantPrefix('süd')).toBe('s_c3_bcd');
    const long = 'x'.repeat(70);
    expect(tenantPrefix(long)).toMatch(/^~[0-9a-f]{64}$/);
    expect(tenantPrefix(long)).not.toBe(tenantPrefix(`${long}y`));
    // Every prefix is safe as a key segment: no slash, no dot-dot.
    for (const tenant of ['../x', 'a/b', '..', '.', 'a b']) expect(tenantPrefix(tenant)).toMatch(/^[A-Za-z0-9_~-]+$/);
  });
});

describe('objectKeyFor', () => {
  it('is tenant prefix, broker-chosen name and sanitised extension — never the client path', () => {
    expect(objectKeyFor('acme', 'abc123', 'Holiday Photo.JPG')).toBe('acme/abc123.jpg');
    expect(objectKeyFor('../evil tenant', 'abc', 'x.tar.gz')).toBe('_2e_2e_2fevil_20tenant/abc.gz');
    expect(objectKeyFor('t', 'abc', 'noext')).toBe('t/abc');
  });
});

describe('filters', () => {
  it('finds the extension', () => {
    expect(extensionOf('a.b.PNG')).toBe('png');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('trailing.')).toBe('');
  });
  it('accepts allowed extensions and mimes (including type/*)', () => {
    expect(filterRefusal({ extensions: ['png'], mimes: ['image/*'] }, 'a.png', 'image/png')).toBeUndefined();
    expect(filterRefusal({ mimes: ['video/mp4'] }, 'a.mp4', undefined)).toBeUndefined();
  });
  it('names the reason for a refusal', () => {
    expect(filterRefusal({ extensions: ['png'] }, 'a.exe', undefined)).toMatch(/\.exe is not allowed/);
    expect(filterRefusal({ mimes: ['image/png'] }, 'a.png', 'text/html')).toMatch(/text\/html is not allowed/);
    expect(sizeRefusal({ maxFileSize: 10 }, 11)).toMatch(/exceeds/);
    expect(sizeRefusal({ maxFileSize: 10 }, 10)).toBeUndefined();
  });
});
