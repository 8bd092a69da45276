import { Route, Routes } from "react-router";
import { Accessible } from "../notifications/a11y";
import { CourtPage } from "./Court";
import { CourtSearch } from "./Search";

/** The court directory (every role): /directory and /directory/:courtId. */
export default function DirectoryRoutes() {
  return (
    <Accessible>
      <Routes>
        <Route index element={<CourtSearch />} />
        <Route path=":courtId" element={<CourtPage />} />
      </Routes>
    </Accessible>
  );
}
