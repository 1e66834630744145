import { describe, expect, it } from 'vitest';
import { requestPersistence, storageEstimate } from '../../src/store/persistence';

describe('requestPersistence', () => {
  it('answers "unsupported" without navigator.storage (as in Node 20)', async () => {
    expect(await requestPersistence()).toBe('unsupported');
    expect(await requestPersistence({})).toBe('unsupported');
  });

  it('does not ask again when already persisted, and reports the answer otherwise', async () => {
    let asked = 0;
    const persist = async () => (asked++, false);
    expect(await requestPersistence({ persisted: async () => true, persist })).toBe('granted');
    expect(asked).toBe(0);
    expect(await requestPersistence({ persisted: async () => false, persist })).toBe('denied');
    expect(
      await requestPersistence({ persisted: async () => false, persist: async () => true }),
    ).toBe('granted');
    expect(await requestPersistence({ persist: async () => Promise.reject(new Error('no')) })).toBe(
      'denied',
    );
  });
});

describe('storageEstimate', () => {
  it('gives usage, quota and their ratio', async () => {
    const estimate = async () => ({ usage: 250, quota: 1000 });
    expect(await storageEstimate({ estimate })).toEqual({
      usage: 250,
      quota: 1000,
      fraction: 0.25,
    });
  });

  it('is undefined where the browser cannot say', async () => {
    expect(await storageEstimate()).toBeUndefined();
    expect(await storageEstimate({ estimate: async () => ({}) })).toBeUndefined();
  });
});
