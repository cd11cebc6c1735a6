// mcp_sdk_server.mjs -- the reference server of the MCP benchmark: the
// example agent get_weather (examples/agents/get_weather_agent.lispy)
// written with the official TypeScript SDK (@modelcontextprotocol/sdk v1,
// McpServer over stdio), reading the same fixture (examples/mock.json).
// Run by tests/bench/mcp_bench.py; NODE_PATH points at the SDK install.
//
//   NODE_PATH=build/node/node_modules node tests/bench/mcp_sdk_server.mjs examples/mock.json
import fs from "node:fs";
import path from "node:path";

const sdk = path.resolve(process.env.NODE_PATH || "node_modules", "@modelcontextprotocol/sdk/dist/esm");
const { McpServer } = await import(path.join(sdk, "server/mcp.js"));
const { StdioServerTransport } = await import(path.join(sdk, "server/stdio.js"));
const { z } = await import(path.resolve(process.env.NODE_PATH || "node_modules", "zod/index.js"));

const fixture = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const server = new McpServer({ name: "sdk-weather", version: "1.0.0" });

server.registerTool(
  "get_weather",
  {
    description: "Return the current weather for a city: temperature, conditions and humidity.",
    inputSchema: {
      city: z.string().min(1).describe('City name, e.g. "Paris"'),
      units: z.enum(["celsius", "fahrenheit"]).default("celsius").describe("Temperature scale of the answer"),
    },
  },
  async ({ city, units }) => {
    const obs = (fixture.records || {})["weather:" + city.trim().toLowerCase()];
    if (!obs) return { isError: true, content: [{ type: "text", text: `no weather data for ${city}` }] };
    const t = obs.temperature_c;
    const value = {
      city: obs.city,
      temperature: units === "fahrenheit" ? Math.round((32 + t * 1.8) * 10) / 10 : t,
      units,
      conditions: obs.conditions,
      humidity: obs.humidity,
    };
    return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
  },
);

await server.connect(new StdioServerTransport());
