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

describe('isConnectionFailure: every way of not reaching the database or broker', () => {
  const failure = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

  it('a Unix-domain socket whose file is gone (ENOENT on connect) is an outage; a missing file elsewhere is not', () => {
    expect(isConnectionFailure(failure('ENOENT', 'connect'))).toBe(true);
    expect(isConnectionFailure(new Error('query failed', { cause: failure('ENOENT', 'connect') }))).toBe(true);
    expect(isConnectionFailure(failure('ENOENT', 'open'))).toBe(false);
  });

  it('no route to the host or network, and a name server that cannot answer yet, are outages', () => {
    expect(isConnectionFailure(failure('EHOSTUNREACH', 'connect'))).toBe(true);
    expect(isConnectionFailure(failure('ENETUNREACH', 'connect'))).toBe(true);
    expect(isConnectionFailure(failure('EAI_AGAIN', 'getaddrinfo'))).toBe(true);
  });

  it("PostgreSQL's own words for a server going away, starting or full, and pg's for a broken client, are outages", () => {
    const server = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
    expect(isConnectionFailure(server('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isConnectionFailure(server('57P03', 'the database system is shutting down'))).toBe(true);
    expect(isConnectionFailure(server('57P03', 'the database system is starting up'))).toBe(true);
    expect(isConnectionFailure(server('53300', 'sorry, too many clients already'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  });
});
