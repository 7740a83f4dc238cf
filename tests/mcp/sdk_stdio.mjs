// Drives `osiris mcp run --conformance-fixtures` over stdio with the official TypeScript SDK
// client: initialize, list, call, read, prompts, progress, cancellation, errors.
// Usage: node sdk_stdio.mjs OSIRIS_BIN NODE_MODULES_DIR
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';

const [bin, modules] = process.argv.slice(2);
const require = createRequire(path.join(modules, 'x.js'));
const { Client } = await import(require.resolve('@modelcontextprotocol/sdk/client/index.js'));
const { StdioClientTransport } = await import(require.resolve('@modelcontextprotocol/sdk/client/stdio.js'));

let passed = 0;
let failed = 0;
async function check(name, fn) {
    try {
        await fn();
        passed++;
        console.log(`ok - ${name}`);
    } catch (e) {
        failed++;
        console.log(`FAIL - ${name}: ${e.stack || e}`);
    }
}

const transport = new StdioClientTransport({
    command: bin,
    args: ['mcp', 'run', '--conformance-fixtures'],
    stderr: 'pipe',
});
let stderr = '';
transport.stderr?.on('data', (d) => { stderr += d; });
const client = new Client({ name: 'osiris-sdk-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
const { CreateMessageRequestSchema } = await import(require.resolve('@modelcontextprotocol/sdk/types.js'));
client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    role: 'assistant', model: 'test-model',
    content: { type: 'text', text: `echo: ${req.params.messages[0].content.text}` },
}));

await check('initialize negotiates the newest version and names the server', async () => {
    await client.connect(transport);
    const info = client.getServerVersion();
    assert.equal(info.name, 'osiris-mcp-server');
    assert.ok(client.getServerCapabilities().tools);
    assert.ok(client.getInstructions().includes('@family.alias'));
});

await check('ping', async () => { await client.ping(); });

await check('tools/list lists the fixtures with schemas', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('test_simple_text'));
    for (const t of tools) assert.equal(t.inputSchema.type, 'object');
});

await check('tools/call returns text', async () => {
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(r.content[0].text, 'This is a simple text response for testing.');
});

await check('tools/call with invalid arguments is a tool error, not a protocol error', async () => {
    const r = await client.callTool({ name: 'test_sampling', arguments: { prompt: 42 } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /arguments\.prompt: must be string/);
});

await check('unknown tool is a protocol error -32602', async () => {
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), (e) => e.code === -32602);
});

await check('sampling round trip through the client', async () => {
    const r = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hello' } });
    assert.equal(r.content[0].text, 'LLM response: echo: hello');
});

await check('progress notifications arrive in order', async () => {
    const seen = [];
    const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined,
        { onprogress: (p) => seen.push(p.progress) });
    // The SDK hands notifications to handlers a tick later than responses, so the last
    // progress (sent just before the result) may be dropped by the client itself.
    assert.deepEqual(seen.slice(0, 2), [0, 50]);
    assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]));
    assert.match(r.content[0].text, /Progress tool finished/);
});

await check('cancellation stops the request and the server keeps serving', async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, { signal: ac.signal });
    setTimeout(() => ac.abort('changed my mind'), 20);
    await assert.rejects(call);
    await client.ping();
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(r.content[0].type, 'text');
});

await check('resources/list, read and templates', async () => {
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'test://static-text'));
    const r = await client.readResource({ uri: 'test://static-text' });
    assert.equal(r.contents[0].text, 'This is the content of the static text resource.');
    const t = await client.readResource({ uri: 'test://template/42/data' });
    assert.equal(JSON.parse(t.contents[0].text).id, '42');
    await assert.rejects(client.readResource({ uri: 'test://missing' }), (e) => e.code === -32002);
});

await check('prompts/get with arguments and completion', async () => {
    const p = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
    assert.match(p.messages[0].content.text, /arg1='a', arg2='b'/);
    const c = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } });
    assert.deepEqual(c.completion.values, ['paris', 'park', 'party', 'pasta']);
    await assert.rejects(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a' } }), (e) => e.code === -32602);
});

await check('logging/setLevel filters notifications', async () => {
    const { LoggingMessageNotificationSchema } = await import(require.resolve('@modelcontextprotocol/sdk/types.js'));
    const got = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => got.push(n.params.level));
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.equal(got.length, 0);
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.equal(got.length, 3);
});

await check('the server exits cleanly when the client closes stdin', async () => {
    await client.close();
    assert.ok(!/AddressSanitizer|runtime error/.test(stderr), stderr);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
