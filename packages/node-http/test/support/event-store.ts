import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * A resumable upstream's event store, one per upstream session: ids are `<stream>#<n>`, numbered
 * in order, so a replay after an id is every later event of that stream. (The SDK's example
 * store takes the stream from the id's text before its first `_`, which is empty for the
 * standalone stream `_GET_stream`, so it cannot resume a GET.) An unknown id is refused, as an
 * upstream that forgot it would.
 */
export class OrderedEventStore implements EventStore {
  private readonly events: { id: string; stream: string; message: JSONRPCMessage }[] = [];

  async storeEvent(stream: string, message: JSONRPCMessage): Promise<string> {
    const id = `${stream}#${this.events.length}`;
    this.events.push({ id, stream, message });
    return id;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    if (index === -1) throw new Error(`unknown event id ${lastEventId}`);
    const stream = this.events[index]!.stream;
    for (const event of this.events.slice(index + 1)) if (event.stream === stream) await send(event.id, event.message);
    return stream;
  }
}
