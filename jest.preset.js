// Shared Jest settings: swc transpiles TypeScript (type checking is its own target),
// path aliases mirror tsconfig.base.json.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  if (!alias.startsWith('@tss/')) continue; // other entries only point TypeScript at type declarations
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, target);
}

const kafkaSuite = '\\.kafka\\.spec\\.ts$';
// Both SASL listeners (PLAIN in clear, SCRAM over TLS): KAFKA_SASL_PORT=<port> KAFKA_SASL_SSL_PORT=<port> deploy/kafka/kafka-broker.sh run ...
const kafkaSaslSuite = '\\.kafka-sasl\\.spec\\.ts$';
const redisSuite = '\\.redis\\.spec\\.ts$';
const jaegerSuite = '\\.jaeger\\.spec\\.ts$'; // needs a collector (deploy/jaeger/jaeger.sh) and a broker

module.exports = (projectDir, displayName) => ({
  displayName,
  rootDir: projectDir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.KAFKA_BROKERS ? [] : [kafkaSuite]),
    ...(process.env.KAFKA_TEST_SASL_BROKERS && process.env.KAFKA_TEST_SASL_SSL_BROKERS ? [] : [kafkaSaslSuite]),
    ...(process.env.REDIS_URL ? [] : [redisSuite]),
    ...(process.env.JAEGER_QUERY_URL && process.env.KAFKA_BROKERS ? [] : [jaegerSuite]),
  ],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } }],
  },
  moduleNameMapper,
});
