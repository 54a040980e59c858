// The live set of resource snapshots, shared by every page (the Resources table, the Console's
// resource picker). One SSE stream (`GET /v1/resources?watch=1`) feeds it while any page uses it.
//
// Why a signal per resource: an event for `api` sets `api`'s signal only, so only `api`'s row
// re-renders — the table is never rebuilt per event. `order` changes only when a resource appears
// or its parent changes, which is what the tree layout depends on.
import { batch, signal, type Signal } from "@preact/signals";
import { subscribe } from "../api";
import { parentOf, type Snapshot } from "./snapshots";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "closed";

export class ResourceStore {
  readonly rows = new Map<string, Signal<Snapshot>>();
  /** Resource names in the order the API first sent them; bumps on a new resource or a new parent. */
  readonly order = signal<string[]>([]);
  readonly status = signal<StreamStatus>("connecting");
  /** True once the API sent every current snapshot (`synced`). */
  readonly synced = signal(false);
  private users = 0;
  private close: (() => void) | null = null;

  /** Start streaming (first user) and return the call that stops using it. */
  use(): () => void {
    this.users += 1;
    if (!this.close) this.open();
    return () => {
      this.users -= 1;
      if (this.users === 0 && this.close) {
        this.close();
        this.close = null;
      }
    };
  }

  get(name: string): Signal<Snapshot> | undefined {
    return this.rows.get(name);
  }

  /** Apply a snapshot (from the stream, or a command's answer). Older versions are ignored, so a
   * command's answer cannot overwrite a newer event that arrived first. */
  apply(snapshot: Snapshot): void {
    const row = this.rows.get(snapshot.name);
    if (!row) {
      this.rows.set(snapshot.name, signal(snapshot));
      this.order.value = [...this.order.value, snapshot.name];
      return;
    }
    if (snapshot.version < row.value.version) return;
    const moved = parentOf(row.value) !== parentOf(snapshot);
    row.value = snapshot;
    if (moved) this.order.value = [...this.order.value];
  }

  private open(): void {
    this.status.value = "connecting";
    this.close = subscribe(
      "/v1/resources",
      { watch: 1 },
      ["snapshot", "synced", "closing"],
      (type, data) => {
        if (type === "snapshot") this.apply(data as Snapshot);
        else if (type === "synced") this.synced.value = true;
        else if (type === "closing") this.status.value = "closed";
      },
      (open) => {
        batch(() => {
          if (open) this.status.value = "live";
          else if (this.status.value !== "closed") this.status.value = "reconnecting";
        });
      },
    );
  }
}

export const resources = new ResourceStore();
