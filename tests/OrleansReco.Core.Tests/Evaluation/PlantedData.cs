using OrleansReco.Core.Data;

namespace OrleansReco.Core.Tests.Evaluation;

/// <summary>
/// Synthetic data with planted tastes: items belong to topics with a Zipf-like popularity inside each topic; each
/// user likes one or two topics and mostly picks items from them (otherwise a popular item), one event per
/// distinct item, timestamps increasing per user. Shaped like MovieLens-100K at the default sizes.
/// </summary>
internal static class PlantedData
{
    public static List<Interaction> Generate(int users = 943, int items = 1682, int events = 100_000, int topics = 20, double onTaste = 0.8, int seed = 7)
    {
        var random = new Random(seed);
        var topicOf = new int[items];
        var byTopic = Enumerable.Range(0, topics).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < items; i++)
        {
            topicOf[i] = random.Next(topics);
            byTopic[topicOf[i]].Add(i);
        }
        var topicSampler = byTopic.Select(t => new ZipfSampler(t, 0.8)).ToArray();
        var globalSampler = new ZipfSampler(Enumerable.Range(0, items).ToList(), 1.0);
        // Skewed events per user (geometric-ish around the mean), at least 5.
        double mean = (double)events / users;
        var perUser = Enumerable.Range(0, users).Select(_ => Math.Max(5, (int)(-mean * Math.Log(1 - random.NextDouble())))).ToArray();
        var list = new List<Interaction>(events);
        long start = 880_000_000;
        for (int u = 0; u < users; u++)
        {
            int[] liked = random.NextDouble() < 0.5 ? [random.Next(topics)] : [random.Next(topics), random.Next(topics)];
            var taken = new HashSet<int>();
            int want = Math.Min(perUser[u], items / 3);
            long t = start + random.Next(0, 86_400 * 30);
            while (taken.Count < want)
            {
                int item = random.NextDouble() < onTaste
                    ? topicSampler[liked[random.Next(liked.Length)]].Next(random)
                    : globalSampler.Next(random);
                if (!taken.Add(item)) continue;
                t += 1 + random.Next(0, 3600);
                list.Add(new Interaction($"u{u}", $"i{item}", EventTypes.Rating, 1 + random.Next(5), t));
            }
        }
        return list;
    }

    /// <summary>Picks from a list with probability ∝ 1/(rank+1)^exponent (the list's order is its popularity order).</summary>
    private sealed class ZipfSampler
    {
        private readonly List<int> _candidates;
        private readonly double[] _cumulative;

        public ZipfSampler(List<int> candidates, double exponent)
        {
            _candidates = candidates.Count > 0 ? candidates : [0];
            _cumulative = new double[_candidates.Count];
            double total = 0;
            for (int r = 0; r < _candidates.Count; r++) _cumulative[r] = total += Math.Pow(r + 1, -exponent);
        }

        public int Next(Random random)
        {
            int at = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
            return _candidates[Math.Min(at < 0 ? ~at : at, _candidates.Count - 1)];
        }
    }
}
