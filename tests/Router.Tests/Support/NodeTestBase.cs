using Router.Client.Configuration;
using Router.FakeOpenRouter;
using Router.Node.Hosting;

namespace Router.Tests.Support;

/// <summary>A fake OpenRouter and a real node routing to it, fresh for each test, cleaned up after.</summary>
public abstract class NodeTestBase : IAsyncLifetime
{
    private readonly string _dataDir = TestNodes.TempDir();

    protected FakeOpenRouterServer Fake { get; private set; } = null!;
    protected RouterNode Node { get; private set; } = null!;

    /// <summary>Every line the node logged at <see cref="LogLevel"/> and above.</summary>
    protected CapturingLoggerProvider Logs { get; } = new();
    protected virtual Microsoft.Extensions.Logging.LogLevel LogLevel => Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>Settings changes a test class needs.</summary>
    protected virtual Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) => settings;

    /// <summary>Behaviours the fake starts with.</summary>
    protected virtual (string Model, FakeBehavior Behavior)[] InitialBehaviors => [];

    /// <summary>The fake's catalog; null: the small, known one of <see cref="Fakes"/>.</summary>
    protected virtual IReadOnlyList<Router.Contracts.OpenRouter.ModelInfo>? CatalogModels => null;

    public async Task InitializeAsync()
    {
        Fake = await Fakes.StartAsync(CatalogModels, InitialBehaviors);
        Node = await TestNodes.StartAsync(Configure(TestNodes.Settings(Fake, _dataDir)), logs: Logs, level: LogLevel);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Fake.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
