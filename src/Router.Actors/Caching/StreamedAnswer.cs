using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Router.Contracts.Messages;

namespace Router.Actors.Caching;

/// <summary>
/// An answer in both of its forms, so that either kind of request can be served from either kind of entry: the chunks
/// of a stream folded into one completion, and a completion cut into the chunks a stream of it would have sent. Fields
/// Router does not know are carried over, not dropped.
/// </summary>
public static class StreamedAnswer
{
    private static readonly HashSet<string> ChunkOnly = new(StringComparer.Ordinal) { "choices", "object", "usage" };

    /// <summary>
    /// The completion the <paramref name="chunks"/> spell: per choice, the text deltas joined, tool calls merged by
    /// their index (arguments joined), the last finish reason; the usage of the last chunk that has one.
    /// </summary>
    public static byte[] Assemble(IReadOnlyList<byte[]> chunks)
    {
        var completion = new JsonObject();
        var choices = new SortedDictionary<int, ChoiceParts>();
        JsonNode? usage = null;
        foreach (var bytes in chunks)
        {
            if (JsonNode.Parse(bytes) is not JsonObject chunk) continue;
            if (completion.Count == 0)
            {
                foreach (var (name, value) in chunk.Where(p => !ChunkOnly.Contains(p.Key)))
                    completion[name] = value?.DeepClone();
            }
            if (chunk["usage"] is JsonObject u) usage = u;
            if (chunk["choices"] is not JsonArray array) continue;
            foreach (var choice in array.OfType<JsonObject>())
            {
                var index = choice["index"]?.GetValue<int>() ?? 0;
                if (!choices.TryGetValue(index, out var parts)) choices[index] = parts = new ChoiceParts();
                parts.Add(choice);
            }
        }
        var result = new JsonObject();
        foreach (var (name, value) in completion) result[name] = value?.DeepClone();
        result["object"] = "chat.completion";
        result["choices"] = new JsonArray(choices.Select(c => (JsonNode)c.Value.ToChoice(c.Key)).ToArray());
        if (usage is not null) result["usage"] = usage.DeepClone();
        return JsonSerializer.SerializeToUtf8Bytes(result);
    }

    /// <summary>A stored answer's chunks as first streamed, or for an answer first served plain, <see cref="Chunks"/>.</summary>
    public static IReadOnlyList<byte[]> ChunksOf(CachedAnswer answer) => answer.Chunks ?? Chunks(answer.Completion);

    /// <summary>
    /// The chunks a stream of <paramref name="completion"/> would carry: one with every choice's whole message as its
    /// delta and its finish reason, then the usage on its own, as OpenAI streams it.
    /// </summary>
    public static IReadOnlyList<byte[]> Chunks(ReadOnlySpan<byte> completion)
    {
        var reader = new Utf8JsonReader(completion);
        if (JsonNode.Parse(ref reader) is not JsonObject answer) return [];
        JsonObject Head()
        {
            var chunk = new JsonObject();
            foreach (var (name, value) in answer.Where(p => !ChunkOnly.Contains(p.Key))) chunk[name] = value?.DeepClone();
            chunk["object"] = "chat.completion.chunk";
            return chunk;
        }

        var content = Head();
        var choices = new JsonArray();
        foreach (var choice in (answer["choices"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var delta = choice["message"]?.DeepClone() as JsonObject ?? new JsonObject();
            if (delta["tool_calls"] is JsonArray calls)
            {
                for (var i = 0; i < calls.Count; i++)
                    if (calls[i] is JsonObject call && call["index"] is null) call.Insert(0, "index", i);
            }
            var streamed = new JsonObject { ["index"] = choice["index"]?.DeepClone() ?? 0, ["delta"] = delta };
            foreach (var (name, value) in choice.Where(p => p.Key is not ("index" or "message")))
                streamed[name] = value?.DeepClone();
            streamed.TryAdd("finish_reason", null);
            choices.Add(streamed);
        }
        content["choices"] = choices;
        var result = new List<byte[]> { JsonSerializer.SerializeToUtf8Bytes(content) };
        if (answer["usage"] is JsonObject usage)
        {
            var last = Head();
            last["choices"] = new JsonArray();
            last["usage"] = usage.DeepClone();
            result.Add(JsonSerializer.SerializeToUtf8Bytes(last));
        }
        return result;
    }

    /// <summary>One choice's deltas as they arrive: strings joined, tool calls merged by index, the rest last-wins.</summary>
    private sealed class ChoiceParts
    {
        private readonly Dictionary<string, StringBuilder> _text = new(StringComparer.Ordinal);
        private readonly JsonObject _message = new();
        private readonly SortedDictionary<int, ToolCallParts> _toolCalls = new();
        private readonly JsonObject _choice = new();

        public void Add(JsonObject choice)
        {
            foreach (var (name, value) in choice.Where(p => p.Key is not ("index" or "delta")))
            {
                if (value is not null || !_choice.ContainsKey(name)) _choice[name] = value?.DeepClone();
            }
            if (choice["delta"] is not JsonObject delta) return;
            foreach (var (name, value) in delta)
            {
                if (name == "tool_calls" && value is JsonArray calls)
                {
                    foreach (var call in calls.OfType<JsonObject>())
                    {
                        var index = call["index"]?.GetValue<int>() ?? _toolCalls.Count;
                        if (!_toolCalls.TryGetValue(index, out var parts)) _toolCalls[index] = parts = new ToolCallParts();
                        parts.Add(call);
                    }
                }
                else if (name != "role" && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                {
                    if (!_text.TryGetValue(name, out var text)) _text[name] = text = new StringBuilder();
                    text.Append(v.GetValue<string>());
                }
                else if (value is not null || !_message.ContainsKey(name))
                {
                    _message[name] = value?.DeepClone();
                }
            }
        }

        public JsonObject ToChoice(int index)
        {
            var message = new JsonObject { ["role"] = _message["role"]?.DeepClone() ?? "assistant", ["content"] = null };
            foreach (var (name, value) in _message.Where(p => p.Key != "role")) message[name] = value?.DeepClone();
            foreach (var (name, text) in _text) message[name] = text.ToString();
            if (_toolCalls.Count > 0) message["tool_calls"] = new JsonArray(_toolCalls.Values.Select(t => (JsonNode)t.ToCall()).ToArray());
            var choice = new JsonObject { ["index"] = index, ["message"] = message };
            foreach (var (name, value) in _choice) choice[name] = value?.DeepClone();
            choice.TryAdd("finish_reason", null);
            return choice;
        }
    }

    private sealed class ToolCallParts
    {
        private readonly JsonObject _call = new();
        private readonly StringBuilder _name = new();
        private readonly StringBuilder _arguments = new();

        public void Add(JsonObject call)
        {
            foreach (var (name, value) in call.Where(p => p.Key is not ("index" or "function")))
            {
                if (value is not null) _call[name] = value.DeepClone();
            }
            if (call["function"] is not JsonObject function) return;
            if (function["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String) _name.Append(n.GetValue<string>());
            if (function["arguments"] is JsonValue a && a.GetValueKind() == JsonValueKind.String) _arguments.Append(a.GetValue<string>());
        }

        public JsonObject ToCall()
        {
            var call = new JsonObject();
            foreach (var (name, value) in _call) call[name] = value?.DeepClone();
            call.TryAdd("type", "function");
            call["function"] = new JsonObject { ["name"] = _name.ToString(), ["arguments"] = _arguments.ToString() };
            return call;
        }
    }
}
