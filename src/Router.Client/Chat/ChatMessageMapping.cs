using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Router.Contracts;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using WireMessage = Router.Contracts.OpenRouter.ChatMessage;

namespace Router.Client.Chat;

/// <summary>M.E.AI's messages as OpenAI's: roles, names, content parts, tool calls and tool results.</summary>
public static class ChatMessageMapping
{
    private static JsonSerializerOptions Json => ChatRequestMapping.Json;

    /// <summary>One M.E.AI message as wire messages: one, or one per tool result (OpenAI has a message per result).</summary>
    public static IEnumerable<WireMessage> ToWire(AiMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var role = message.Role.Value;
        var results = message.Contents.OfType<FunctionResultContent>().ToList();
        foreach (var result in results)
            yield return new WireMessage
            {
                Role = "tool",
                Content = JsonSerializer.SerializeToElement(ResultText(result), RouterJsonContext.Default.String),
                Extra = new() { ["tool_call_id"] = JsonSerializer.SerializeToElement(result.CallId, RouterJsonContext.Default.String) },
            };

        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        var parts = message.Contents.Where(c => c is not (FunctionCallContent or FunctionResultContent or TextReasoningContent or UsageContent)).ToList();
        if (results.Count > 0 && parts.Count == 0 && calls.Count == 0) yield break;

        var extra = new Dictionary<string, JsonElement>();
        if (message.AuthorName is { Length: > 0 } name)
            extra["name"] = JsonSerializer.SerializeToElement(name, RouterJsonContext.Default.String);
        if (calls.Count > 0)
            extra["tool_calls"] = JsonSerializer.SerializeToElement(new JsonArray([.. calls.Select(ToolCall)]), RouterJsonContext.Default.JsonNode);
        yield return new WireMessage
        {
            Role = role,
            Content = Content(parts, calls.Count > 0),
            Extra = extra.Count > 0 ? extra : null,
        };
    }

    /// <summary>A lone text as a string (what every provider takes); anything richer as OpenAI's content parts.</summary>
    private static JsonElement Content(IReadOnlyList<AIContent> parts, bool hasCalls)
    {
        if (parts.Count == 0)
            return hasCalls ? JsonSerializer.SerializeToElement((string?)null, RouterJsonContext.Default.String) : JsonSerializer.SerializeToElement("", RouterJsonContext.Default.String);
        if (parts.All(p => p is TextContent))
            return JsonSerializer.SerializeToElement(string.Concat(parts.Cast<TextContent>().Select(t => t.Text)), RouterJsonContext.Default.String);
        return JsonSerializer.SerializeToElement(new JsonArray([.. parts.Select(Part)]), RouterJsonContext.Default.JsonNode);
    }

    private static JsonNode Part(AIContent content) => content switch
    {
        TextContent text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        DataContent data when data.HasTopLevelMediaType("image") => Image(data.Uri),
        UriContent uri when uri.HasTopLevelMediaType("image") => Image(uri.Uri.ToString()),
        DataContent data when data.HasTopLevelMediaType("audio") => new JsonObject
        {
            ["type"] = "input_audio",
            ["input_audio"] = new JsonObject { ["data"] = data.Base64Data.ToString(), ["format"] = AudioFormat(data.MediaType) },
        },
        DataContent data => new JsonObject
        {
            ["type"] = "file",
            ["file"] = new JsonObject { ["filename"] = data.Name ?? "file", ["file_data"] = data.Uri },
        },
        _ => throw new NotSupportedException($"Router cannot send {content.GetType().Name} to a chat model"),
    };

    private static JsonObject Image(string url) => new() { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } };

    private static string AudioFormat(string mediaType) => mediaType.ToLowerInvariant() switch
    {
        "audio/mpeg" or "audio/mp3" => "mp3",
        var other => other[(other.IndexOf('/') + 1)..].Replace("x-", "", StringComparison.Ordinal),
    };

    private static JsonNode ToolCall(FunctionCallContent call) => new JsonObject
    {
        ["id"] = call.CallId,
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = call.Name,
            ["arguments"] = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), Json),
        },
    };

    private static string ResultText(FunctionResultContent result) => result.Result switch
    {
        null => result.Exception is { } e ? "Error: " + e.Message : "",
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString() ?? "", // what AIFunctionFactory's functions return
        var value => JsonSerializer.Serialize(value, Json),
    };
}
