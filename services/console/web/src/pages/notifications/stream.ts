import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useRef } from "react";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps a server stream open while the component is mounted and the tab is visible: each message
 * goes to `onMessage`; after an error or the end of the stream it is opened again with a growing
 * pause (1 s doubling to 30 s). A hidden tab closes its streams (a browser has only six connections
 * to the console for all its tabs) and opens them again when shown. `onReopen` runs before every
 * opening but the first, so the caller can reload what it may have missed. A refusal
 * (PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED) ends it for good.
 */
export function useStream<T>(open: ((signal: AbortSignal) => AsyncIterable<T>) | undefined, onMessage: (m: T) => void, onReopen?: () => void, key = "") {
  const handlers = useRef({ open, onMessage, onReopen });
  handlers.current = { open, onMessage, onReopen };
  const enabled = open !== undefined;
  useEffect(() => {
    if (!enabled) return;
    let refused = false;
    let opened = false;
    let run: AbortController | undefined;

    const loop = async (signal: AbortSignal) => {
      let pause = 1000;
      while (!signal.aborted) {
        if (opened) handlers.current.onReopen?.();
        opened = true;
        try {
          const stream = handlers.current.open?.(signal);
          if (!stream) return;
          for await (const m of stream) {
            pause = 1000;
            handlers.current.onMessage(m);
          }
        } catch (err) {
          if (signal.aborted) return;
          const code = err instanceof ConnectError ? err.code : undefined;
          if (code === Code.PermissionDenied || code === Code.Unauthenticated || code === Code.Unimplemented) {
            refused = true;
            return;
          }
        }
        await sleep(pause);
        pause = Math.min(pause * 2, 30_000);
      }
    };
    const start = () => {
      if (run || refused || document.hidden) return;
      run = new AbortController();
      void loop(run.signal);
    };
    const stop = () => {
      run?.abort();
      run = undefined;
    };
    const onVisibility = () => (document.hidden ? stop() : start());
    document.addEventListener("visibilitychange", onVisibility);
    start();
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      stop();
    };
  }, [enabled, key]);
}

/** Told when notifications were marked read somewhere, so every view of them reloads. */
export const notificationsChanged = new EventTarget();
