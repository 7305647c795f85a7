using OrleansReco.Core.Data;
using OrleansReco.Core.Evaluation;

namespace OrleansReco.Core.Tests.Evaluation;

public sealed class SplitsTests
{
    private static Interaction E(string user, string item, long t) => new(user, item, EventTypes.View, 1f, t);

    [Fact]
    public void LeaveLastOut_PlantedData_IsTemporalWithoutLeakage()
    {
        var events = PlantedData.Generate(users: 120, items: 200, events: 3000, seed: 5);
        var split = Splits.LeaveLastOut(new InteractionDataset(events, null, null));
        var trainByUser = split.Train.Interactions.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.ToList());
        var eventOf = events.ToDictionary(e => (e.UserId, e.ItemId));
        Assert.Equal(120, split.Test.Count);
        foreach (var c in split.Test)
        {
            string target = split.Catalog[c.Targets.Single()];
            long targetTime = eventOf[(c.UserId, target)].Timestamp;
            Assert.All(trainByUser[c.UserId], e => Assert.True(e.Timestamp < targetTime));
            Assert.All(c.History, e => Assert.True(e.Timestamp < targetTime));
            Assert.DoesNotContain(c.Targets[0], c.Seen);
            Assert.Equal(c.History.Select(e => split.Catalog.ToList().IndexOf(e.ItemId)).Distinct().Order(), c.Seen);
        }
        foreach (var c in split.Validation)
        {
            long validationTime = eventOf[(c.UserId, split.Catalog[c.Targets[0]])].Timestamp;
            Assert.All(trainByUser[c.UserId], e => Assert.True(e.Timestamp < validationTime));
        }
        // The test history is the validation history plus the validation event.
        var validationOf = split.Validation.ToDictionary(c => c.UserId);
        Assert.All(split.Test, c => Assert.Equal(validationOf[c.UserId].History.Count + 1, c.History.Count));
    }

    [Fact]
    public void LeaveLastOut_EqualTimestamps_KeepInputOrder()
    {
        var split = Splits.LeaveLastOut(new InteractionDataset([E("u", "a", 5), E("u", "b", 5), E("u", "c", 5), E("u", "d", 5)], null, null));
        Assert.Equal("d", split.Catalog[split.Test[0].Targets[0]]);
        Assert.Equal("c", split.Catalog[split.Validation[0].Targets[0]]);
        Assert.Equal(["a", "b"], split.Train.Interactions.Select(e => e.ItemId));
    }

    [Fact]
    public void LeaveLastOut_UserWithFewerThanThreeItems_StaysInTraining()
    {
        var split = Splits.LeaveLastOut(new InteractionDataset([E("u", "a", 1), E("u", "b", 2), E("u", "a", 3), E("v", "a", 1), E("v", "b", 2), E("v", "c", 3)], null, null));
        Assert.Equal(["v"], split.Test.Select(c => c.UserId));
        Assert.Equal(1, split.Stats.TrainOnlyUsers);
        Assert.Equal(3, split.Train.Interactions.Count(e => e.UserId == "u"));
    }

    [Fact]
    public void LeaveLastOut_Repeats_AreNotTargets_AndLaterRepeatsAreDropped()
    {
        // Distinct first events: a(1) b(2) c(3) d(5); b at 4 and c at 6 are repeats after the validation event.
        var events = new[] { E("u", "a", 1), E("u", "b", 2), E("u", "c", 3), E("u", "b", 4), E("u", "d", 5), E("u", "c", 6) };
        var split = Splits.LeaveLastOut(new InteractionDataset(events, null, null));
        Assert.Equal("d", split.Catalog[split.Test[0].Targets[0]]);
        Assert.Equal("c", split.Catalog[split.Validation[0].Targets[0]]);
        Assert.Equal(["a", "b"], split.Train.Interactions.Select(e => e.ItemId));
        Assert.Equal(2, split.Stats.DroppedEvents);
    }

    [Fact]
    public void GlobalTemporal_TrainIsStrictlyBeforeHeldOut_AndTargetsAreUnseen()
    {
        var events = PlantedData.Generate(users: 100, items: 150, events: 2500, seed: 9);
        var split = Splits.GlobalTemporal(new InteractionDataset(events, null, null), 0.1, 0.1);
        long lastTrain = split.Train.Interactions.Max(e => e.Timestamp);
        var heldOut = events.Except(split.Train.Interactions).ToList();
        Assert.NotEmpty(heldOut);
        Assert.All(heldOut, e => Assert.True(e.Timestamp > lastTrain));
        Assert.NotEmpty(split.Test);
        Assert.All(split.Test, c => Assert.All(c.Targets, t => Assert.DoesNotContain(t, c.Seen)));
        foreach (var c in split.Test)
        {
            var targets = c.Targets.Select(t => split.Catalog[t]).ToHashSet();
            long firstTarget = events.Where(x => x.UserId == c.UserId && targets.Contains(x.ItemId)).Min(x => x.Timestamp);
            Assert.All(c.History, e => Assert.True(e.Timestamp < firstTarget));
        }
    }

    [Fact]
    public void GlobalTemporal_CaseHistories_AreTheUsersEarlierEventsInTimeOrder_InOneSharedArray()
    {
        var events = PlantedData.Generate(users: 150, items: 120, events: 4000, seed: 11);
        var split = Splits.GlobalTemporal(new InteractionDataset(events, null, null), 0.1, 0.1);
        Assert.NotEmpty(split.Validation);
        Assert.NotEmpty(split.Test);
        // Reference: a test case's history is every event of the user before the test period, in time order (stable).
        var testCut = events.OrderBy(e => e.Timestamp).ElementAt((int)(events.Count * 0.9)).Timestamp;
        foreach (var c in split.Test)
        {
            var expected = events.Select((e, i) => (e, i)).Where(p => p.e.UserId == c.UserId && p.e.Timestamp < testCut)
                .OrderBy(p => p.e.Timestamp).ThenBy(p => p.i).Select(p => p.e);
            Assert.Equal(expected, c.History);
        }
        // Every case's history is a range of one array: a split of many users is a few large objects, not a list per case.
        var arrays = split.Validation.Concat(split.Test).Select(c => Assert.IsType<ArraySegment<Interaction>>(c.History).Array).Distinct().ToList();
        Assert.Single(arrays);
    }

    [Fact]
    public void GlobalTemporal_ThrowsForFractionsSummingToOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.GlobalTemporal(new InteractionDataset([E("u", "a", 1)], null, null), 0.5, 0.5));
    }

    [Fact]
    public void GlobalTemporal_CutInsideALongRunOfEqualTimestamps_SplitsTheRunByArrivalAndSaysSo()
    {
        // 30 events a second apart, then 70 stamped with the same second (a busy stream with second timestamps):
        // ties going to the later part would leave 30 training events where 80 were asked for.
        var events = Enumerable.Range(0, 30).Select(i => E($"u{i % 10}", $"i{i}", i))
            .Concat(Enumerable.Range(0, 70).Select(i => E($"u{i % 10}", $"j{i}", 1000))).ToList();
        var split = Splits.GlobalTemporal(new InteractionDataset(events, null, null), 0.1, 0.1);

        Assert.True(split.Stats.TiesByArrival);
        Assert.Equal(80, split.Train.Interactions.Count);
        Assert.Equal(events.Take(80).ToHashSet(), split.Train.Interactions.ToHashSet());
        // The last ten arrivals are the test period: every test target is one of their items.
        var late = events.Skip(90).Select(e => e.ItemId).ToHashSet();
        Assert.NotEmpty(split.Test);
        Assert.All(split.Test, c => Assert.All(c.Targets, t => Assert.Contains(split.Catalog[t], late)));
    }

    [Fact]
    public void GlobalTemporal_FewTiesAtTheCut_StayStrictlyEarlier()
    {
        // Two events share the cut's second: both go to the held-out part, and training keeps 79 of its 80.
        var events = Enumerable.Range(0, 100).Select(i => E($"u{i % 10}", $"i{i}", i == 79 ? 80 : i)).ToList();
        var split = Splits.GlobalTemporal(new InteractionDataset(events, null, null), 0.1, 0.1);

        Assert.False(split.Stats.TiesByArrival);
        Assert.Equal(79, split.Train.Interactions.Count);
        Assert.All(split.Train.Interactions, e => Assert.True(e.Timestamp < 80));
    }
}
