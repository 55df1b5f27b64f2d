import Fastify from 'fastify';
import { namedPlugin } from '../src/named-plugin';

describe('namedPlugin', () => {
  it('names the plugin in fastify’s plugin tree, and keeps its scope its own', async () => {
    const app = Fastify();
    await app.register(
      namedPlugin('ticketRoutes', async (scope) => {
        scope.decorate('insideOnly', true);
      }),
    );
    await app.ready();
    expect(app.printPlugins()).toContain('ticketRoutes');
    expect(app.hasDecorator('insideOnly')).toBe(false);
    await app.close();
  });
});
