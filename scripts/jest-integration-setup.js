// Integration tests wait on a real broker and store; give them time (CI machines are small).
jest.setTimeout(120_000);
