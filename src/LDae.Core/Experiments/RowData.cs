using LDae.Data;
using LDae.Harness.Config;

namespace LDae.Experiments;

/// <summary>The train and test images of a resolved config: the dataset, cut to the profile's seeded subsets.</summary>
public sealed class RowData : IDisposable
{
    readonly DatasetSplits _splits;
    readonly ImageDataset? _trainSubset, _testSubset;

    public ImageDataset Train => _trainSubset ?? _splits.Train;
    public ImageDataset Test => _testSubset ?? _splits.Test;

    /// <summary>SHA-256 of the cached dataset both subsets are cut from (recorded in a result's provenance).</summary>
    public string? Sha256 => _splits.Sha256;

    public RowData(ConfigTree config, string repoRoot, TextWriter log)
    {
        long seed = config.Int("train.seed");
        _splits = Datasets.Load(RunSettings.Dataset(config, repoRoot), Datasets.DefaultCacheDir(), log);
        if (config.IntOrNull("data.train_subset") is { } nTrain && nTrain < _splits.Train.Count) _trainSubset = _splits.Train.Subset((int)nTrain, seed);
        if (config.IntOrNull("data.test_subset") is { } nTest && nTest < _splits.Test.Count) _testSubset = _splits.Test.Subset((int)nTest, seed + 1);
    }

    public void Dispose()
    {
        _trainSubset?.Dispose();
        _testSubset?.Dispose();
        _splits.Dispose();
    }
}
