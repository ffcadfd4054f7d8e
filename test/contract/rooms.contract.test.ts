/**
 * The seams' contract (src/bus/bus.ts), one suite for every implementation: the in-process
 * LocalRooms (one node), the deliberately delayed and reordering in-process cluster, the hub
 * that `--workers` shares without Redis (room-hub.ts, each node its own stream), and Redis
 * (real, at 127.0.0.1:6379, under a prefix unique to the run, removed after). What every bus
 * must do for the server to keep PROTOCOL.md's rules, whatever it is made of.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import {
  isPromise,
  type Awaitable,
  type Directory,
  type RoomBus,
  type RoomEvent,
} from '../../src/bus/bus.js';
import { LocalRooms } from '../../src/bus/local-rooms.js';
import { HubRooms } from '../../src/cluster/hub-rooms.js';
import { RoomHub } from '../../src/cluster/room-hub.js';
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { deleteKeys, redisSeams, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';

interface Node {
  readonly bus: RoomBus;
  readonly directory: Directory;
  /** Every event delivered to this node, in delivery order. */
  readonly seen: RoomEvent[];
  readonly lost: number[];
}

interface Implementation {
  readonly name: string;
  /** How many nodes it can be (LocalRooms is a service of one). */
  readonly maxNodes: number;
  /**
   * It may carry a request out after giving up on it, and send it again (Redis): a leave's
   * `attempt` must guard the membership of a later JOIN. The others never do.
   */
  readonly late?: true;
  start(nodes: number): Promise<{ nodes: Node[]; close(): Promise<void> }>;
}

function node(bus: RoomBus, directory: Directory): Node {
  const n: Node = { bus, directory, seen: [], lost: [] };
  bus.subscribe({ event: (e) => n.seen.push(e), lost: (ref) => n.lost.push(ref) });
  return n;
}

let hubs = 0;

const implementations: Implementation[] = [
  {
    name: 'in-process (LocalRooms)',
    maxNodes: 1,
    start: () => {
      const rooms = new LocalRooms();
      return Promise.resolve({ nodes: [node(rooms, rooms)], close: () => rooms.close() });
    },
  },
  {
    name: 'delayed, reordering in-process cluster',
    maxNodes: 3,
    start: (n) => {
      const cluster = new DelayedCluster({ seed: 7, maxDelayMs: 4, duplicateOneIn: 3 });
      const nodes = Array.from({ length: n }, () => {
        const d = cluster.node();
        return node(d, d);
      });
      return Promise.resolve({
        nodes,
        close: async () => {
          await Promise.all(nodes.map((x) => x.bus.close()));
        },
      });
    },
  },
  {
    name: 'the hub of --workers (one Unix socket per node)',
    maxNodes: 3,
    start: async (n) => {
      const path = join(tmpdir(), `roomcast-contract-hub-${process.pid}-${++hubs}.sock`);
      rmSync(path, { force: true });
      const hub = new RoomHub(pino({ level: 'silent' }));
      await hub.listen(path);
      const nodes: Node[] = [];
      for (let i = 0; i < n; i++) {
        const rooms = await HubRooms.connect(path, () => {});
        nodes.push(node(rooms, rooms));
      }
      return {
        nodes,
        close: async () => {
          await Promise.all(nodes.map((x) => x.bus.close()));
          await hub.close();
          rmSync(path, { force: true });
        },
      };
    },
  },
  {
    name: 'Redis',
    maxNodes: 3,
    late: true,
    start: async (n) => {
      const prefix = uniquePrefix('contract');
      const nodes: Node[] = [];
      for (let i = 0; i < n; i++) {
        const seams = await redisSeams(prefix, `n${i}`);
        nodes.push(node(seams.bus, seams.directory));
      }
      return {
        nodes,
        close: async () => {
          await Promise.all(nodes.map((x) => x.bus.close()));
          await deleteKeys(prefix);
        },
      };
    },
  },
];

const settle = async <T>(value: Awaitable<T>): Promise<T> => (isPromise(value) ? value : value);

/** What `n` was handed of room `ref`, as `seq kind detail` lines. */
function story(n: Node, ref: number): string[] {
  return n.seen
    .filter((e) => e.ref === ref)
    .map((e) =>
      e.kind === 'chat' ? `${e.seq} chat ${e.message}` : `${e.seq} ${e.kind} ${e.joinId}`,
    );
}

for (const impl of implementations) {
  describe(`seam contract: ${impl.name}`, () => {
    const open: { close(): Promise<void> }[] = [];
    after(async () => {
      await Promise.all(open.map((o) => o.close()));
    });
    const start = async (n: number): Promise<Node[]> => {
      const s = await impl.start(Math.min(n, impl.maxNodes));
      open.push(s);
      return s.nodes;
    };
    const pick = (nodes: Node[], i: number): Node => nodes[i % nodes.length] as Node;

    test('T7 JOIN_IDs are unique across nodes and remembered as issued', async () => {
      const nodes = await start(3);
      const ids = await Promise.all(
        Array.from({ length: 12 }, (_, i) => settle(pick(nodes, i).directory.issueJoinId())),
      );
      assert.equal(new Set(ids).size, ids.length, `no id twice: ${ids.join(',')}`);
      for (const id of ids)
        assert.equal(await settle(pick(nodes, id).directory.joinIdIssued(id)), true);
      const unused = Math.max(...ids) + 1;
      assert.equal(await settle(nodes[0]!.directory.joinIdIssued(unused)), false);
    });

    test('T7 one ref per name, on every node, even when joined at once from all', async () => {
      const nodes = await start(3);
      const replies = await Promise.all(
        nodes.map((n, i) => settle(n.bus.join('together', 100 + i, `m${i}`, 1000, 1))),
      );
      const refs = replies.map((r) => (r.kind === 'joined' ? r.ref : -1));
      assert.equal(new Set(refs).size, 1, `one ref: ${refs.join(',')}`);
      const seqs = replies.map((r) => (r.kind === 'joined' ? r.seq : -1)).sort();
      assert.deepEqual(
        seqs,
        nodes.map((_, i) => i + 1),
        'each join its own place in the order',
      );
      assert.deepEqual(
        await settle(nodes[0]!.bus.join('together', 100, 'm0', 1000, 1)),
        { kind: 'already', ref: refs[0], seq: nodes.length },
        'T5',
      );
    });

    test('T13 every watching node is handed the room in one order, each event once', async () => {
      const nodes = await start(3);
      const ref = await joinEach(nodes, 'ordered', 200);
      const sends: Promise<void>[] = [];
      for (let k = 0; k < 30; k++) {
        nodes.forEach((n, i) => {
          const r = n.bus.chat(ref, `m${i}`, `${i}:${k}`);
          if (isPromise(r)) sends.push(r);
        });
      }
      await Promise.all(sends);
      const total = nodes.length + 30 * nodes.length; // joins and chats
      // Node i is handed the room from its own join (seq i + 1) on.
      await waitUntil(
        () => nodes.every((n, i) => story(n, ref).length >= total - i),
        () =>
          `every node to be handed the room from its join: ${nodes.map((n) => story(n, ref).length).join(',')} of ${total}`,
      );
      const first = story(nodes[0]!, ref);
      for (const [i, n] of nodes.entries()) {
        assert.deepEqual(story(n, ref), first.slice(i), 'one order everywhere');
      }
      assert.deepEqual(
        first.map((line) => Number(line.split(' ')[0])),
        Array.from({ length: total }, (_, i) => i + 1),
        'consecutive seqs, none twice',
      );
      nodes.forEach((_, i) => {
        const mine = first.filter((l) => l.includes(` ${i}:`)).map((l) => l.split(':')[1]);
        assert.deepEqual(
          mine,
          Array.from({ length: 30 }, (_, k) => String(k)),
          'send order',
        );
      });
    });

    test('T7 the last leave forgets the room; the name gets a new ref, the old one is never reused', async () => {
      const nodes = await start(2);
      const ref = await joinEach(nodes, 'brief', 300);
      assert.equal(await settle(nodes[0]!.directory.refStatus(ref)), 'live');
      for (const [i, n] of nodes.entries()) {
        const left = await settle(n.bus.leave(ref, 300 + i, `m${i}`, 1));
        assert.equal(left.kind, 'left');
      }
      assert.deepEqual(await settle(nodes[0]!.bus.leave(ref, 300, 'm0', 1)), {
        kind: 'not-member',
      });
      assert.equal(await settle(pick(nodes, 1).directory.refStatus(ref)), 'forgotten');
      const again = await settle(nodes[0]!.bus.join('brief', 300, 'm0', 1000, 1));
      assert.ok(again.kind === 'joined' && again.ref > ref, `a new ref: ${JSON.stringify(again)}`);
      assert.equal(await settle(nodes[0]!.directory.refStatus(ref + 10_000)), 'never');
    });

    test("a JOIN's event names it; a leave sent again after the member joined again leaves the new membership in", async () => {
      const nodes = await start(2);
      const [a, b] = [nodes[0]!, pick(nodes, 1)];
      const kept = await settle(b.bus.join('twice', 701, 'keeper', 1000, 1));
      if (kept.kind !== 'joined') throw new Error(JSON.stringify(kept));
      const ref = kept.ref;
      b.bus.watch(ref, kept.seq);
      assert.equal((await settle(a.bus.join('twice', 700, 'm', 1000, 7))).kind, 'joined');
      assert.equal((await settle(a.bus.leave(ref, 700, 'm', 7))).kind, 'left');
      assert.equal((await settle(a.bus.join('twice', 700, 'm', 1000, 8))).kind, 'joined');
      if (impl.late) {
        // The first leave again, as a retry whose first answer was lost would send it.
        assert.deepEqual(await settle(a.bus.leave(ref, 700, 'm', 7)), { kind: 'not-member' });
      }
      await settle(b.bus.chat(ref, 'keeper', 'still two of us'));
      await waitUntil(() => story(b, ref).length === 5, 'the keeper to be handed five events');
      const joins = b.seen.filter((e) => e.kind === 'join' && e.joinId === 700);
      assert.deepEqual(
        joins.map((e) => e.kind === 'join' && e.attempt),
        [7, 8],
      );
      assert.deepEqual(story(b, ref).slice(1), [
        `${kept.seq + 1} join 700`,
        `${kept.seq + 2} leave 700`,
        `${kept.seq + 3} join 700`,
        `${kept.seq + 4} chat still two of us`,
      ]);
      assert.equal((await settle(a.bus.leave(ref, 700, 'm', 8))).kind, 'left');
    });

    test('the room limit counts the live rooms of the whole service', async () => {
      const nodes = await start(2);
      assert.equal((await settle(nodes[0]!.bus.join('limit-a', 400, 'x', 1, 1))).kind, 'joined');
      assert.deepEqual(await settle(pick(nodes, 1).bus.join('limit-b', 401, 'y', 1, 1)), {
        kind: 'room-limit',
      });
      assert.equal(
        (await settle(pick(nodes, 1).bus.join('limit-a', 401, 'y', 1, 1))).kind,
        'joined',
      );
      await settle(nodes[0]!.bus.leaveAll(400, undefined));
      await settle(pick(nodes, 1).bus.leaveAll(401, undefined));
      assert.equal(
        (await settle(pick(nodes, 1).bus.join('limit-b', 401, 'y', 1, 1))).kind,
        'joined',
      );
    });

    test('T6 leaveAll: every room, ascending ref, with the name each was joined with', async () => {
      const nodes = await start(2);
      const keeper = pick(nodes, 1);
      const refs: number[] = [];
      for (const name of ['la-1', 'la-2', 'la-3']) {
        const r = await settle(keeper.bus.join(name, 501, 'keeper', 1000, 1));
        if (r.kind !== 'joined') throw new Error(JSON.stringify(r));
        refs.push(r.ref);
        keeper.bus.watch(r.ref, r.seq);
      }
      for (const ref of [...refs].reverse()) {
        const name = `la-${refs.indexOf(ref) + 1}`;
        await settle(nodes[0]!.bus.join(name, 500, `n${ref}`, 1000, 1));
      }
      const left = await settle(nodes[0]!.bus.leaveAll(500, undefined));
      assert.deepEqual(
        left.map((l) => l.ref),
        refs,
      );
      await waitUntil(
        () => refs.every((ref) => story(keeper, ref).some((l) => l.endsWith('leave 500'))),
        'the keeper to be handed the three leaves',
      );
      const names = keeper.seen.filter((e) => e.kind === 'leave' && e.joinId === 500);
      assert.deepEqual(
        names.map((e) => e.kind === 'leave' && e.clientName).sort(),
        refs.map((ref) => `n${ref}`).sort(),
      );
    });

    test("a member taken in by an 'already' answer is handed the room from the event after it", async () => {
      // 'already' answers a JOIN given up on that the store carried out: only a bus that gives
      // JOINs up has it to give (the hub never does, and watches such a member from whatever
      // comes next).
      if (impl.late !== true) return;
      const nodes = await start(2);
      const [a, b] = nodes as [Node, Node];
      const r = await settle(b.bus.join('taken-in', 700, 'b', 1000, 1));
      if (r.kind !== 'joined') throw new Error('join');
      b.bus.watch(r.ref, r.seq);
      await settle(a.bus.join('taken-in', 701, 'a', 1000, 1)); // given up on: answer unused
      const again = await settle(a.bus.join('taken-in', 701, 'a', 1000, 2));
      assert.deepEqual(again, { kind: 'already', ref: r.ref, seq: 2 });
      // A chat appended after the answer and before the watch, then one after it.
      await settle(b.bus.chat(r.ref, 'b', 'between'));
      a.bus.watch(r.ref, again.seq + 1, again.seq);
      await settle(b.bus.chat(r.ref, 'b', 'after'));
      await waitUntil(
        () => story(a, r.ref).length >= 2,
        () => `a's story: ${story(a, r.ref).join(' | ')}`,
      );
      assert.deepEqual(story(a, r.ref), ['3 chat between', '4 chat after']);
      a.bus.unwatch(r.ref);
    });

    test('a node is handed only the rooms it watches', async () => {
      const nodes = await start(2);
      if (nodes.length < 2) return; // one node is the whole service: it sees everything
      const [a, b] = nodes as [Node, Node];
      const r = await settle(a.bus.join('private', 600, 'a', 1000, 1));
      if (r.kind !== 'joined') throw new Error('join');
      a.bus.watch(r.ref, r.seq);
      await settle(a.bus.chat(r.ref, 'a', 'for a'));
      await waitUntil(() => story(a, r.ref).length === 2, 'a to be handed its room');
      assert.deepEqual(story(b, r.ref), [], 'b has no member there');
    });
  });
}

/** Member `base + i` of node i joins `name`, each node watches it; the room's ref. */
async function joinEach(nodes: Node[], name: string, base: number): Promise<number> {
  let ref = -1;
  for (const [i, n] of nodes.entries()) {
    const r = await settle(n.bus.join(name, base + i, `m${i}`, 1000, 1));
    if (r.kind !== 'joined') throw new Error(JSON.stringify(r));
    ref = r.ref;
    // From its own join event on, as a node watches (bus.ts): node i is handed the room from
    // seq i + 1, the room's first events being the joins in node order.
    n.bus.watch(r.ref, r.seq);
  }
  return ref;
}
