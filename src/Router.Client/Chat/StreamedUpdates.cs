using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Client.Chat;

/// <summary>
/// A routed stream's chunks as M.E.AI updates, one per chunk: text, reasoning, the finish reason, the usage. Tool
/// calls arrive in fragments (an id and a name, then pieces of the arguments); each becomes one whole
/// <see cref="FunctionCallContent"/> on the update that finishes the choice, as M.E.AI expects.
/// </summary>
public sealed class StreamedUpdates(RouterInfo route)
{
    private readonly SortedDictionary<int, PendingCall> _calls = [];
    private bool _first = true;

    private sealed class PendingCall
    {
        public string? Id;
        public string? Name;
        public readonly StringBuilder Arguments = new();
    }

    public ChatResponseUpdate Read(ChatCompletionChunk chunk, double? costUsd = null)
    {
        var contents = new List<AIContent>();
        var choice = chunk.Choices?.FirstOrDefault();
        var delta = choice?.Delta;
        if (delta?.Extra?.GetValueOrDefault("reasoning") is { ValueKind: JsonValueKind.String } reasoning && reasoning.GetString() is { Length: > 0 } thought)
            contents.Add(new TextReasoningContent(thought));
        if (delta?.Content is { Length: > 0 } text)
            contents.Add(new TextContent(text));
        if (delta?.Extra?.GetValueOrDefault("tool_calls") is { ValueKind: JsonValueKind.Array } fragments)
            foreach (var fragment in fragments.EnumerateArray())
                Add(fragment);
        if (choice?.FinishReason is not null)
            contents.AddRange(Flush());
        if (ChatResponseMapping.Usage(chunk.Usage) is { } usage)
            contents.Add(new UsageContent(usage));

        var update = new ChatResponseUpdate(delta?.Role is { } role ? new ChatRole(role) : ChatRole.Assistant, contents)
        {
            ResponseId = chunk.Id,
            MessageId = chunk.Id,
            ModelId = chunk.Model,
            CreatedAt = chunk.Created is { } created ? DateTimeOffset.FromUnixTimeSeconds(created) : null,
            FinishReason = ChatResponseMapping.FinishReason(choice?.FinishReason),
            RawRepresentation = chunk,
        };
        if (_first || chunk.Usage is not null)
            update.AdditionalProperties = new() { [ChatResponseMapping.RouterProperty] = route with { CostUsd = costUsd } };
        _first = false;
        return update;
    }

    /// <summary>Tool calls the stream left unfinished (no finish reason came): whole, on a last update; null when none.</summary>
    public ChatResponseUpdate? End() =>
        _calls.Count == 0 ? null : new ChatResponseUpdate(ChatRole.Assistant, Flush()) { FinishReason = ChatFinishReason.ToolCalls };

    private void Add(JsonElement fragment)
    {
        var index = fragment.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : _calls.Count;
        if (!_calls.TryGetValue(index, out var call)) _calls[index] = call = new PendingCall();
        call.Id ??= ChatResponseMapping.StringOf(fragment, "id");
        if (fragment.TryGetProperty("function", out var function))
        {
            call.Name ??= ChatResponseMapping.StringOf(function, "name");
            call.Arguments.Append(ChatResponseMapping.StringOf(function, "arguments"));
        }
    }

    private List<AIContent> Flush()
    {
        var calls = _calls.Values.Select(c => (AIContent)ChatResponseMapping.FunctionCall(c.Id, c.Name, c.Arguments.ToString())).ToList();
        _calls.Clear();
        return calls;
    }
}
