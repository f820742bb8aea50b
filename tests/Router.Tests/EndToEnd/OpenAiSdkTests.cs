using System.ClientModel;
using OpenAI.Chat;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The official OpenAI .NET SDK, pointed at Router, works unchanged.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class OpenAiSdkTests : NodeTestBase
{
    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors => [("test/delta", new FakeBehavior { StatusCode = 503 })];

    private ChatClient Client(string model) => OpenAiSdk.Chat(Node, model);

    [Fact]
    public async Task Chat_completion_through_the_sdk_falls_back_transparently()
    {
        var completion = (await Client("test/delta").CompleteChatAsync([new UserChatMessage("Hello, world!")])).Value;
        Assert.Equal("test/gamma", completion.Model);
        Assert.Contains("Hello, world!", completion.Content[0].Text);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task Streaming_through_the_sdk()
    {
        var text = new System.Text.StringBuilder();
        string? model = null;
        await foreach (var update in Client("test/beta").CompleteChatStreamingAsync([new UserChatMessage("Hello, world!")]))
        {
            model ??= update.Model;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        }
        Assert.Equal("test/beta", model);
        Assert.Contains("Hello, world!", text.ToString());
    }

    [Fact]
    public async Task Listing_models_through_the_sdk()
    {
        var client = OpenAiSdk.Client(Node);
        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Equal(4, models.Count);
        Assert.Contains(models, m => m.Id == "test/alpha");
    }

    [Fact]
    public async Task Errors_reach_the_sdk_as_client_result_exceptions_with_the_status()
    {
        Fake.Script.Set("test/alpha", new FakeBehavior { StatusCode = 402 });
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client("test/alpha").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(402, e.Status);
        Assert.Contains("Insufficient credits", e.Message);
    }
}
