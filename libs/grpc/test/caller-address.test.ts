import { callerAddress } from "@kuayu/grpc";

it("takes the address out of a grpc-js peer", () => {
  expect(callerAddress("ipv4:10.0.0.7:51234")).toBe("10.0.0.7");
  expect(callerAddress("ipv6:[::1]:5")).toBe("::1");
  expect(callerAddress("ipv6:[2001:db8::7]:443")).toBe("2001:db8::7");
  expect(callerAddress("127.0.0.1:80")).toBe("127.0.0.1");
  expect(callerAddress("unix:/tmp/s.sock")).toBe("unix:/tmp/s.sock");
});
