using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Router.Contracts.Messages;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Router.Client.Chat;

/// <summary>
/// <see cref="IChatClient"/> over an embedded cluster member: each call is routed by this member (model choice,
/// fallback, daily caps) as an HTTP request to the front would be. <see cref="ChatOptions.ModelId"/> null lets Router
/// choose; the model used and the attempts are in <c>AdditionalProperties["router"]</c>. A request Router cannot
/// serve throws <see cref="RouterException"/>.
/// </summary>
public sealed class RouterChatClient(RouterClient router, string? defaultModelId = null) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("router", null, defaultModelId);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = ChatRequestMapping.ToRequest(messages, options);
        var routed = await router.CompleteAsync(request, cancellationToken);
        return ChatResponseMapping.ToResponse(routed);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ChatRequestMapping.ToRequest(messages, options);
        await using var routed = await router.StreamAsync(request, cancellationToken);
        var updates = new StreamedUpdates(new RouterInfo(routed.Model.Value, routed.Attempts));
        await foreach (var chunk in routed.ReadAsync(cancellationToken))
            yield return updates.Read(chunk, routed.CostUsd);
        if (updates.End() is { } last)
            yield return last;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(RouterClient)) return router;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the member belongs to the host that registered it.</summary>
    public void Dispose() { }
}
