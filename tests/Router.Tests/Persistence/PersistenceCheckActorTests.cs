using Router.Actors.Persistence;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Persistence;

public class PersistenceCheckActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    [Fact]
    public async Task Passes_with_a_working_journal_and_can_run_again()
    {
        await PersistenceCheck.VerifyAsync(Sys, TimeSpan.FromSeconds(5));
        await PersistenceCheck.VerifyAsync(Sys, TimeSpan.FromSeconds(5));
    }
}

public class PersistenceCheckWithoutJournalTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create("akka.persistence.journal.plugin = \"no.such.journal\""), output)
{
    [Fact]
    public async Task Fails_with_a_clear_message_when_the_journal_is_broken()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PersistenceCheck.VerifyAsync(Sys, TimeSpan.FromSeconds(3)));
        Assert.StartsWith("Persistence does not work", e.Message);
    }
}
