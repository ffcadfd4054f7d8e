/** The course test service's scenario (test/helpers/course-scenario.ts) over plain TCP. */
import { after, before, test } from 'node:test';
import { courseScenario } from '../helpers/course-scenario.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(() => srv.close());

test('course test-service scenario', () =>
  courseScenario(() => WireClient.connect(srv.port), srv.port));
