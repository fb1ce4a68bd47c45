import { randomBytes } from "node:crypto";
import type { RestartRecord } from "./control-contract";
import { ApiError } from "./errors";
import { Faults } from "./faults";
import { Metrics } from "./metrics";
import { emptyMetadata, type Machine, type Metadata } from "./model";
import { registerBrokers } from "./membership";
import { MoveEngine } from "./moves";
import type { ResolvedOptions } from "./options";
import { Raft } from "./raft";
import { RequestCounter } from "./requests";
import { replicate } from "./replication";
import { StorageTasks } from "./storage";
import { seedTopics } from "./topics";

/**
 * The emulated cluster: the machines the platform provisioned, the metadata Raft replicates,
 * every broker's view of Raft, the data model of the partitions, the move engine, and the
 * faults in force. A clock tick advances all of it; the HTTP layer only reads it and calls
 * the operations of `membership`, `moves`, `topics` and `storage`.
 */
export class Cluster {
  readonly raft: Raft;
  readonly faults = new Faults();
  readonly machines = new Map<number, Machine>();
  readonly moves: MoveEngine;
  readonly storage: StorageTasks;
  readonly metrics = new Metrics();
  /** Admin API requests served, by broker, method and path (`GET /sim/requests`). */
  readonly requests = new RequestCounter();
  /** Restarts through the control API, in order, with the cluster's health when each began (`GET /sim/restarts`). */
  readonly restarts: RestartRecord[] = [];
  meta: Metadata;
  /** Set when the metadata changed since the state dir was last written. */
  dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();

  constructor(readonly opts: ResolvedOptions) {
    this.raft = new Raft(opts, (line) => this.log(line));
    this.meta = emptyMetadata(`sb-sim-${randomBytes(3).toString("hex")}`);
    this.moves = new MoveEngine(this);
    this.storage = new StorageTasks(this);
  }

  /** Starts the clock. */
  start(): void {
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
  }

  /** Stops the clock. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** The emulator's log. */
  log(line: string): void {
    this.opts.log(line);
  }

  /** Whether a broker's process runs. */
  isRunning(id: number): boolean {
    return this.machines.get(id)?.running === true;
  }

  /** The ids of the running brokers. */
  runningIds(): number[] {
    return [...this.machines.values()].filter((m) => m.running).map((m) => m.id);
  }

  /** The voting members. */
  voters(): Set<number> {
    return new Set([...this.meta.members.values()].filter((m) => m.voter).map((m) => m.id));
  }

  /**
   * Whether a broker reaches the legitimate leader, and so the committed metadata: its writes
   * are forwarded and committed, its reads are fresh, and the controller counts it as alive.
   */
  seesLeader(id: number): boolean {
    const leader = this.raft.leaderId;
    return leader !== null && this.isRunning(id) && this.faults.canReach(id, leader);
  }

  /** Whether a read answered by this broker is stale (it sees no leader). */
  stale(id: number): boolean {
    return !this.seesLeader(id);
  }

  /**
   * Lets a write through broker `id` go on to the leader, or refuses it as the contract says:
   * `503 no_quorum` without a quorum, `503 not_leader` while a quorum elects its leader.
   */
  writeGate(id: number): void {
    if (this.seesLeader(id)) return;
    const side = this.faults.sideOf(id);
    const world = {
      now: Date.now(),
      voters: this.voters(),
      running: this.runningIds(),
      sideOf: (b: number) => this.faults.sideOf(b),
    };
    if (this.meta.bootstrapped && this.raft.hasQuorum(side, world)) {
      throw new ApiError(503, "not_leader", "a leader election is in progress; retry", { leader_id: null });
    }
    throw new ApiError(503, "no_quorum", `broker ${id} sees no leader: the cluster has no quorum`);
  }

  /** Records a committed metadata change. */
  commit(entries = 1): void {
    this.raft.append(entries);
    this.dirty = true;
  }

  /** Provisions a machine and starts its broker; it registers after `registerDelayMs`. */
  provision(
    id: number,
    rack: string | null,
    autoJoin = false,
    config: string | null = null,
    tls: Machine["tls"] = null,
  ): Machine {
    const machine: Machine = {
      id,
      rack,
      running: false,
      registerAt: null,
      autoJoin,
      left: false,
      config,
      tls,
    };
    this.machines.set(id, machine);
    this.startBroker(id);
    this.log(`machine ${id} provisioned${rack ? ` in rack ${rack}` : ""}`);
    return machine;
  }

  /** Starts (or restarts) a broker's process; its data is where it left it. */
  startBroker(id: number): void {
    const m = this.machines.get(id);
    if (!m || m.running) return;
    m.running = true;
    // A starting process reads its config file.
    m.runningConfig = m.config ?? null;
    m.runningTls = m.tls ?? null;
    m.left = false;
    m.registerAt = Date.now() + this.opts.registerDelayMs;
    this.raft.restart(id);
    this.dirty = true;
  }

  /** Stops a broker's process as a crash would: nothing is handed over. */
  stopBroker(id: number): void {
    const m = this.machines.get(id);
    if (!m || !m.running) return;
    m.running = false;
    this.dirty = true;
    this.log(`broker ${id} stopped`);
  }

  /** Destroys a machine and its data; the cluster's metadata still names it until it leaves. */
  destroyMachine(id: number): void {
    if (!this.machines.delete(id)) return;
    for (const p of this.meta.partitions.values()) {
      p.leo.delete(id);
      p.diverged.delete(id);
    }
    this.dirty = true;
    this.log(`machine ${id} destroyed with its data`);
  }

  /** One clock tick: Raft, registration, heartbeats, replication, moves, tasks. */
  tick(): void {
    const now = Date.now();
    const dt = Math.min(1, (now - this.last) / 1000);
    this.last = now;
    this.raft.update({
      now,
      voters: this.voters(),
      running: this.runningIds(),
      sideOf: (id) => this.faults.sideOf(id),
    });
    registerBrokers(this, now);
    for (const m of this.meta.members.values()) if (this.seesLeader(m.id)) m.lastHeartbeatAt = now;
    replicate(this, dt);
    this.moves.tick(dt, now);
    seedTopics(this);
    this.storage.tick(now);
  }
}
