import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useRef } from "react";

/**
 * Keeps a server stream open while the component is mounted: each message goes to `onMessage`; after
 * an error or the end of the stream it is opened again with a growing pause (1 s doubling to 30 s),
 * and `onReopen` runs first so the caller can reload what it may have missed. A refusal
 * (PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED) ends it for good.
 */
export function useStream<T>(open: ((signal: AbortSignal) => AsyncIterable<T>) | undefined, onMessage: (m: T) => void, onReopen?: () => void, key = "") {
  const handlers = useRef({ open, onMessage, onReopen });
  handlers.current = { open, onMessage, onReopen };
  const enabled = open !== undefined;
  useEffect(() => {
    if (!enabled) return;
    const ctl = new AbortController();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    void (async () => {
      let pause = 1000;
      for (let first = true; !ctl.signal.aborted; first = false) {
        if (!first) handlers.current.onReopen?.();
        try {
          const stream = handlers.current.open?.(ctl.signal);
          if (!stream) return;
          for await (const m of stream) {
            pause = 1000;
            handlers.current.onMessage(m);
          }
        } catch (err) {
          if (ctl.signal.aborted) return;
          const code = err instanceof ConnectError ? err.code : undefined;
          if (code === Code.PermissionDenied || code === Code.Unauthenticated || code === Code.Unimplemented) return;
        }
        await sleep(pause);
        pause = Math.min(pause * 2, 30_000);
      }
    })();
    return () => ctl.abort();
  }, [enabled, key]);
}

/** Told when notifications were marked read somewhere, so every view of them reloads. */
export const notificationsChanged = new EventTarget();
