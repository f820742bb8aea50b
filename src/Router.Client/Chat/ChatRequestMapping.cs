using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Router.Contracts;
using Router.Contracts.OpenRouter;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using WireMessage = Router.Contracts.OpenRouter.ChatMessage;

namespace Router.Client.Chat;

/// <summary>
/// M.E.AI's messages and options as the OpenAI/OpenRouter chat request Router routes: the same body an HTTP client
/// would send for them. The messages themselves: <see cref="ChatMessageMapping"/>. The table of what maps to what is in docs/dotnet.md.
/// </summary>
public static class ChatRequestMapping
{
    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key of OpenRouter's per-request fallback list (strings).</summary>
    public const string ModelsProperty = "models";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key of Router's <c>router</c> object (a <see cref="RouterOptions"/> or its JSON).</summary>
    public const string RouterProperty = "router";

    /// <summary>M.E.AI's own options (they know its types), written compact as a request body is.</summary>
    internal static readonly JsonSerializerOptions Json = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static ChatCompletionRequest ToRequest(IEnumerable<AiMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var start = options?.RawRepresentationFactory?.Invoke(null!) as ChatCompletionRequest;
        var wire = new List<WireMessage>(start?.Messages ?? []);
        if (options?.Instructions is { Length: > 0 } instructions)
            wire.Add(WireMessage.Text("system", instructions));
        foreach (var message in messages)
            wire.AddRange(ChatMessageMapping.ToWire(message));

        var extra = start?.Extra is { } startExtra ? new Dictionary<string, JsonElement>(startExtra) : new Dictionary<string, JsonElement>();
        var models = start?.Models;
        var router = start?.RouterOptions;
        if (options?.AdditionalProperties is { } additional)
        {
            foreach (var (key, value) in additional)
            {
                switch (key)
                {
                    case ModelsProperty:
                        models = value switch
                        {
                            IEnumerable<string> list => list.ToList(),
                            _ => JsonSerializer.SerializeToElement(value, Json).Deserialize(RouterJsonContext.Default.IReadOnlyListString),
                        };
                        break;
                    case RouterProperty:
                        router = value as RouterOptions
                                 ?? JsonSerializer.SerializeToElement(value, Json).Deserialize(RouterJsonContext.Default.RouterOptions);
                        break;
                    default:
                        extra[key] = JsonSerializer.SerializeToElement(value, Json);
                        break;
                }
            }
        }
        if (options is not null) AddOptions(options, extra);

        return new ChatCompletionRequest
        {
            Model = options?.ModelId ?? start?.Model,
            Models = models,
            Messages = wire,
            Temperature = options?.Temperature is { } t ? t : start?.Temperature,
            MaxTokens = options?.MaxOutputTokens ?? start?.MaxTokens,
            RouterOptions = router,
            Extra = extra.Count > 0 ? extra : null,
        };
    }

    private static void AddOptions(ChatOptions options, Dictionary<string, JsonElement> extra)
    {
        void Set(string name, JsonNode? value)
        {
            if (value is not null) extra[name] = JsonSerializer.SerializeToElement(value, RouterJsonContext.Default.JsonNode);
        }

        Set("top_p", options.TopP);
        Set("top_k", options.TopK);
        Set("frequency_penalty", options.FrequencyPenalty);
        Set("presence_penalty", options.PresencePenalty);
        Set("seed", options.Seed);
        if (options.StopSequences is { Count: > 0 } stop)
            Set("stop", new JsonArray([.. stop.Select(s => JsonValue.Create(s))]));
        if (options.ResponseFormat is { } format)
            Set("response_format", ResponseFormat(format));
        if (options.Reasoning is { } reasoning)
            Set("reasoning", Reasoning(reasoning));
        var functions = (options.Tools ?? []).Select(tool => tool as AIFunctionDeclaration
            ?? throw new NotSupportedException($"Router routes function tools only; '{tool.Name}' ({tool.GetType().Name}) is not one")).ToList();
        if (functions.Count > 0)
        {
            Set("tools", new JsonArray([.. functions.Select(Tool)]));
            if (options.AllowMultipleToolCalls is { } parallel) Set("parallel_tool_calls", parallel);
        }
        if (options.ToolMode is { } mode && (functions.Count > 0 || mode is NoneChatToolMode))
            Set("tool_choice", ToolChoice(mode));
    }

    private static JsonNode Tool(AIFunctionDeclaration function)
    {
        var definition = new JsonObject { ["name"] = function.Name };
        if (!string.IsNullOrEmpty(function.Description)) definition["description"] = function.Description;
        definition["parameters"] = JsonNode.Parse(function.JsonSchema.GetRawText());
        return new JsonObject { ["type"] = "function", ["function"] = definition };
    }

    private static JsonNode ToolChoice(ChatToolMode mode) => mode switch
    {
        NoneChatToolMode => "none",
        RequiredChatToolMode { RequiredFunctionName: { } name } =>
            new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } },
        RequiredChatToolMode => "required",
        _ => "auto",
    };

    private static JsonNode ResponseFormat(ChatResponseFormat format) => format switch
    {
        ChatResponseFormatJson { Schema: { } schema } json => new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject
            {
                ["name"] = json.SchemaName ?? "response",
                ["description"] = json.SchemaDescription,
                ["schema"] = JsonNode.Parse(schema.GetRawText()),
                ["strict"] = true,
            },
        },
        ChatResponseFormatJson => new JsonObject { ["type"] = "json_object" },
        _ => new JsonObject { ["type"] = "text" },
    };

    /// <summary>OpenRouter's <c>reasoning</c> object: an effort, and whether the reasoning comes back.</summary>
    private static JsonNode Reasoning(ReasoningOptions reasoning)
    {
        var node = new JsonObject();
        if (reasoning.Effort is { } effort)
            node["effort"] = effort switch
            {
                ReasoningEffort.None => "none",
                ReasoningEffort.Low => "low",
                ReasoningEffort.Medium => "medium",
                ReasoningEffort.High => "high",
                _ => "xhigh",
            };
        if (reasoning.Output is ReasoningOutput.None) node["exclude"] = true;
        return node;
    }
}
