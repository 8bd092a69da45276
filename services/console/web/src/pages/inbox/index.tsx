import { Route, Routes } from "react-router";
import { Accessible } from "../notifications/a11y";
import { InboxFilingPage } from "./Filing";
import { InboxList } from "./List";

/** The jurisdiction court's inbox (管辖法院): /inbox and /inbox/:filingId. */
export default function InboxRoutes() {
  return (
    <Accessible>
      <Routes>
        <Route index element={<InboxList />} />
        <Route path=":filingId" element={<InboxFilingPage />} />
      </Routes>
    </Accessible>
  );
}
