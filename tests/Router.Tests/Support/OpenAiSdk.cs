using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Router.Node.Hosting;

namespace Router.Tests.Support;

/// <summary>The official OpenAI .NET SDK pointed at a node, as a user would configure it.</summary>
public static class OpenAiSdk
{
    public static OpenAIClient Client(RouterNode node) =>
        new(new ApiKeyCredential("any-key"), new OpenAIClientOptions { Endpoint = new Uri(node.Url + "/v1") });

    public static ChatClient Chat(RouterNode node, string model) => Client(node).GetChatClient(model);
}
