// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const globals = require("globals");

module.exports = tseslint.config(
  { ignores: ["**/dist/**", "**/dist-web/**", "**/node_modules/**", "libs/proto/src/gen/**", ".tools/**", ".data/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Promises are awaited or explicitly let go (`void`), and never passed where a callback's result is
  // ignored: type-aware rules, over the sources (their own tsconfig) and the tests (tsconfig.test.json).
  {
    files: ["services/*/src/**/*.ts", "libs/*/src/**/*.ts"],
    ignores: ["libs/proto/src/gen/**"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error", "@typescript-eslint/no-misused-promises": "error" },
  },
  {
    files: ["services/*/test/**/*.ts", "libs/*/test/**/*.ts"],
    languageOptions: { parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: __dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error", "@typescript-eslint/no-misused-promises": "error" },
  },
  // The console's single-page application: its own tsconfig (DOM, JSX, bundler resolution).
  {
    files: ["services/console/web/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser, parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error", "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }] },
  },
  // Services and libraries log through pino (JSON with trace ids), never the console.
  { files: ["services/*/src/**/*.ts", "libs/*/src/**/*.ts"], ignores: ["libs/cli/**"], rules: { "no-console": "error" } },
  { files: ["**/*.js"], languageOptions: { globals: { ...globals.node, ...globals.jest } }, rules: { "@typescript-eslint/no-require-imports": "off" } },
);
