require("./dist/register.js");
