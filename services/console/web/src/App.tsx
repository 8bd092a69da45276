import { ConfigProvider } from "antd";
import zhCN from "antd/locale/zh_CN";

export function App() {
  return (
    <ConfigProvider locale={zhCN}>
      <main>跨域立案服务</main>
    </ConfigProvider>
  );
}
