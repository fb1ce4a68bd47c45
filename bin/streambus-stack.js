#!/usr/bin/env node
require("../dist/stacks/runner.js");
