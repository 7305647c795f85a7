using OrleansReco.Core.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace OrleansReco.Training.TwoTower;

public sealed partial class TwoTowerTrainer
{
    /// <summary>Fewest rating events a calibration line is fitted to; below that, the bundle carries none.</summary>
    private const int CalibrationMinRatings = 10;

    /// <summary>
    /// Most rating events the calibration uses (a seeded sample beyond that): a two-parameter line is settled long
    /// before, and the fit's forward passes stay short on large rating sets.
    /// </summary>
    private const int CalibrationMaxRatings = 20_000;

    private const int CalibrationBatch = 1024;

    /// <summary>
    /// Sum of squared score deviations below which the scores count as constant: the slope is then 0 and the
    /// calibration predicts the mean rating, instead of dividing by (almost) nothing.
    /// </summary>
    private const double MinScoreSpread = 1e-9;

    /// <summary>
    /// Fits score → rating by least squares on up to <see cref="CalibrationMaxRatings"/> training rating events
    /// (null when there are fewer than <see cref="CalibrationMinRatings"/>).
    /// </summary>
    private RatingCalibration? FitRatingCalibration()
    {
        var ratings = _data.TrainExamples.Where(j => _data.EventIsRating[j]).ToArray();
        if (ratings.Length < CalibrationMinRatings) return null;
        if (ratings.Length > CalibrationMaxRatings)
        {
            var rng = new Random(unchecked((int)_options.Seed));
            rng.Shuffle(ratings);
            ratings = ratings[..CalibrationMaxRatings];
        }
        _net.eval();
        using var guard = no_grad();
        using var buffers = new BatchBuffers(CalibrationBatch, _options.HistoryLength);
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        float min = float.MaxValue, max = float.MinValue;
        for (int at = 0; at < ratings.Length; at += CalibrationBatch)
        {
            int size = Math.Min(CalibrationBatch, ratings.Length - at);
            using var scope = NewDisposeScope();
            var (users, items, _) = Forward(ratings.AsSpan(at, size), buffers);
            var scores = (users * items).sum(1).cpu().data<float>().ToArray();
            for (int i = 0; i < size; i++)
            {
                double x = scores[i], y = _data.EventValue[ratings[at + i]];
                sx += x; sy += y; sxx += x * x; sxy += x * y;
                min = Math.Min(min, (float)y);
                max = Math.Max(max, (float)y);
            }
        }
        int n = ratings.Length;
        double variance = sxx - sx * sx / n;
        double slope = variance > MinScoreSpread ? (sxy - sx * sy / n) / variance : 0;
        double intercept = (sy - slope * sx) / n;
        return new RatingCalibration { Slope = (float)slope, Intercept = (float)intercept, Min = min, Max = max };
    }
}
