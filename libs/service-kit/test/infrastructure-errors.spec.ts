import { isConnectionFailure, ServiceUnavailableError } from '../src';

describe('isConnectionFailure: a dependency away or overloaded, not wrong work (retry, 503)', () => {
  it('a pool with no free connection in time is an overload, not a bug (pg-pool: "timeout exceeded when trying to connect")', () => {
    expect(isConnectionFailure(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isConnectionFailure(new Error('query failed', { cause: new Error('timeout exceeded when trying to connect') }))).toBe(true);
  });

  it('names the causes it looks through, and refuses what is the work itself', () => {
    expect(isConnectionFailure(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '57P01' }) }))).toBe(true);
    expect(isConnectionFailure({ driverError: { code: 'ECONNREFUSED' } })).toBe(true);
    expect(isConnectionFailure(new ServiceUnavailableError('broker away'))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isConnectionFailure(new Error('division by zero'))).toBe(false);
  });
});
