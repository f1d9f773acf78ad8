using LDae.Data;
using LDae.Harness.Config;

namespace LDae.Rows;

/// <summary>The train and test images of a resolved config: the dataset, cut to the profile's seeded subsets.</summary>
public sealed class RowData : IDisposable
{
    readonly DatasetSplits splits;
    readonly ImageDataset? trainSubset, testSubset;

    public ImageDataset Train => trainSubset ?? splits.Train;
    public ImageDataset Test => testSubset ?? splits.Test;

    /// <summary>SHA-256 of the cache file both subsets are cut from (recorded in a result's provenance: names the file on this machine).</summary>
    public string? Sha256 => splits.Sha256;

    /// <summary>The content digest of the dataset both subsets are cut from (<see cref="LDae.Data.DataDigest"/>): a result's data_digest.</summary>
    public string DataDigest => splits.ContentDigest!;

    public RowData(ConfigTree config, string repoRoot, TextWriter log)
    {
        long seed = config.Int("train.seed");
        splits = Datasets.Load(RunSettings.Dataset(config, repoRoot), Datasets.DefaultCacheDir(), log);
        if (config.IntOrNull("data.train_subset") is { } nTrain && nTrain < splits.Train.Count) trainSubset = splits.Train.Subset((int)nTrain, seed);
        if (config.IntOrNull("data.test_subset") is { } nTest && nTest < splits.Test.Count) testSubset = splits.Test.Subset((int)nTest, seed + 1);
    }

    public void Dispose()
    {
        trainSubset?.Dispose();
        testSubset?.Dispose();
        splits.Dispose();
    }
}
