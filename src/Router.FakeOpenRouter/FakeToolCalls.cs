using System.Text.Json;
using System.Text.Json.Nodes;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>
/// The fake model's function calling. A request that offers function tools (and a <c>tool_choice</c> other than
/// <c>none</c>) and holds no tool result after its last user message gets one tool call: to the tool
/// <c>tool_choice</c> names, else the first one. Its arguments fill each required parameter of the tool's schema: a
/// string with the last word of the user's message, a number with 1, a boolean with true. A request whose last
/// message is a tool result is answered in text that quotes it.
/// </summary>
internal static class FakeToolCalls
{
    public sealed record Call(string Id, string Name, string Arguments);

    private static long _ids;

    public static Call? Wanted(ChatCompletionRequest request)
    {
        if (request.Extra?.GetValueOrDefault("tools") is not { ValueKind: JsonValueKind.Array } tools) return null;
        var choice = request.Extra.GetValueOrDefault("tool_choice");
        if (choice.ValueKind == JsonValueKind.String && choice.GetString() == "none") return null;
        var lastUser = request.Messages.Select((m, i) => (m, i)).LastOrDefault(x => x.m.Role == "user").i;
        if (request.Messages.Skip(lastUser).Any(m => m.Role == "tool")) return null;

        var named = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) ? n.GetString() : null;
        var functions = tools.EnumerateArray().Where(t => t.TryGetProperty("function", out _)).Select(t => t.GetProperty("function")).ToList();
        var function = functions.FirstOrDefault(x => named is null || (x.TryGetProperty("name", out var name) && name.GetString() == named));
        if (function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var functionName)) return null;
        var said = request.Messages[lastUser].ContentText.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim('?', '!', '.', ',', ';', ':', '"', '\'') ?? "";
        return new Call($"call_{Interlocked.Increment(ref _ids)}", functionName.GetString() ?? "", Arguments(function, said));
    }

    private static string Arguments(JsonElement function, string word)
    {
        var arguments = new JsonObject();
        if (function.TryGetProperty("parameters", out var schema) && schema.TryGetProperty("required", out var required)
            && schema.TryGetProperty("properties", out var properties))
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                var type = properties.TryGetProperty(name, out var p) && p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "string";
                arguments[name] = type switch
                {
                    "integer" or "number" => 1,
                    "boolean" => true,
                    _ => word,
                };
            }
        return arguments.ToJsonString();
    }

    public static string? ToolAnswer(ChatCompletionRequest request) =>
        request.Messages.Count > 0 && request.Messages[^1].Role == "tool" ? request.Messages[^1].ContentText : null;

    private static JsonElement ToolCalls(Call call, bool fragment, string arguments)
    {
        var function = new JsonObject { ["arguments"] = arguments };
        var item = new JsonObject { ["index"] = 0 };
        if (!fragment)
        {
            item["id"] = call.Id;
            item["type"] = "function";
            function["name"] = call.Name;
        }
        item["function"] = function;
        return JsonSerializer.SerializeToElement(new JsonArray(item), RouterJsonContext.Default.JsonNode);
    }

    public static ChatMessage Message(Call call) => new()
    {
        Role = "assistant",
        Content = JsonSerializer.SerializeToElement((string?)null, RouterJsonContext.Default.String),
        Extra = new()
        {
            ["tool_calls"] = JsonSerializer.SerializeToElement(new JsonArray(new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
            }), RouterJsonContext.Default.JsonNode),
        },
    };

    /// <summary>The deltas of a streamed call: the id and name with no arguments, then the arguments in two pieces.</summary>
    public static IEnumerable<ChatDelta> Deltas(Call call)
    {
        yield return new ChatDelta { Role = "assistant", Extra = new() { ["tool_calls"] = ToolCalls(call, false, "") } };
        var half = call.Arguments.Length / 2;
        yield return new ChatDelta { Extra = new() { ["tool_calls"] = ToolCalls(call, true, call.Arguments[..half]) } };
        yield return new ChatDelta { Extra = new() { ["tool_calls"] = ToolCalls(call, true, call.Arguments[half..]) } };
    }
}
