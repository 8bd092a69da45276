import { Result, Spin } from "antd";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { loginUrl } from "./api/http";

/** The signed-in user, as the console's backend read it from the identity provider's token. */
export interface Me {
  user: string;
  name: string;
  courtId: string;
  courtName: string;
  province: string;
  roles: string[];
}

const MeContext = createContext<Me | undefined>(undefined);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe outside <Session>");
  return me;
}

/** Loads /api/me; without a session the browser goes to sign-in and comes back here. */
export function Session({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    fetch("/api/me", { credentials: "same-origin" })
      .then(async (res) => {
        if (res.status === 401) {
          window.location.assign(loginUrl(window.location.pathname + window.location.search));
          return;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        setMe((await res.json()) as Me);
      })
      .catch((err: unknown) => setFailed(err instanceof Error ? err.message : String(err)));
  }, []);
  if (failed) return <Result status="error" title="无法连接跨域立案服务" subTitle={failed} />;
  if (!me) return <Spin fullscreen description="正在登录…" />;
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}
