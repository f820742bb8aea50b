using System.Diagnostics;
using Router.Actors.Models;

namespace Router.Tests.Models;

public class SnapshotScheduleTests
{
    private static long At(double seconds) => 1_000 + (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void A_snapshot_is_due_after_enough_outcomes_and_not_again_within_the_interval()
    {
        var schedule = new SnapshotSchedule(every: 3, TimeSpan.FromSeconds(5));
        Assert.False(schedule.OutcomeCounted(At(0)));
        Assert.False(schedule.OutcomeCounted(At(0)));
        Assert.True(schedule.OutcomeCounted(At(0)));
        Assert.True(schedule.TryTake(At(0)));
        Assert.True(schedule.Saving);
        schedule.Settled();

        for (var i = 0; i < 10; i++) Assert.False(schedule.OutcomeCounted(At(4.9)));
        Assert.True(schedule.OutcomeCounted(At(5)));
    }

    [Fact]
    public void A_snapshot_waits_until_every_written_event_is_confirmed()
    {
        var schedule = new SnapshotSchedule(every: 1, TimeSpan.Zero);
        schedule.EventsWritten(2);
        Assert.True(schedule.OutcomeCounted(At(0)));
        Assert.False(schedule.TryTake(At(0)));
        Assert.False(schedule.Saving);
        Assert.True(schedule.HasUnsaved);

        Assert.False(schedule.EventConfirmed());
        Assert.True(schedule.EventConfirmed()); // the last one: the wanted snapshot may be taken now
        Assert.True(schedule.TryTake(At(1)));
        Assert.False(schedule.HasUnsaved);
    }

    [Fact]
    public void Confirmations_without_a_wanted_snapshot_ask_for_none()
    {
        var schedule = new SnapshotSchedule(every: 100, TimeSpan.Zero);
        schedule.EventsWritten(1);
        Assert.False(schedule.EventConfirmed());
        Assert.False(schedule.HasUnsaved);
        Assert.True(schedule.OutcomeCounted(At(0)) is false);
        Assert.True(schedule.HasUnsaved);
    }
}
