using LDae.Harness.Results;

namespace LDae.Tests.Reliability;

/// <summary>
/// A real row of the paper (the PCA DDM of Table 3) at the ci profile with a budget cut down by <c>--set</c> to a few
/// seconds: 512 training images, batches of 64, 4 epochs (32 steps, a checkpoint every 2), a 3-epoch probe.
/// </summary>
public static class TinyRow
{
    public const string Row = "table3/pca-ddm";
    public const string Profile = "ci";

    public static readonly string[] Budget =
    [
        "--set", "data.train_subset=512", "--set", "data.test_subset=256", "--set", "tokenizer.fit_images=512",
        "--set", "train.batch_size=64", "--set", "train.epochs=4", "--set", "train.checkpoint_every=2", "--set", "probe.epochs=3",
    ];

    public static string[] Args(string command = "run", params string[] extra) => [command, "--row", Row, "--profile", Profile, .. Budget, .. extra];

    public static RowPaths Paths(ScratchCheckout checkout) => new ResultStore(checkout.Results).Row(Profile, Row);

    public static RowMetrics Metrics(ScratchCheckout checkout) =>
        new ResultStore(checkout.Results).TryLoad(Profile, Row) ?? throw new InvalidOperationException($"{Row} has no result in {checkout.Root}");

    /// <summary>The files of the row's folder with their hashes (a finished result that must stay whole).</summary>
    public static IReadOnlyDictionary<string, string> Folder(ScratchCheckout checkout) =>
        checkout.SnapshotResults().Where(kv => kv.Key.StartsWith(Path.Combine(Profile, "table3", "pca-ddm"), StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
}

/// <summary>One uninterrupted run of <see cref="TinyRow"/>, shared by the tests that need a finished row.</summary>
public sealed class FinishedRow : IDisposable
{
    public ScratchCheckout Checkout { get; } = new();
    public LdaeExit Exit { get; }

    public FinishedRow()
    {
        Exit = LdaeProcess.Run(Checkout, TinyRow.Args());
        if (Exit.Code != 0) throw new InvalidOperationException($"the tiny row did not run: {Exit}");
    }

    public void Dispose() => Checkout.Dispose();
}

[Xunit.CollectionDefinition(Name)]
public sealed class FinishedRowCollection : Xunit.ICollectionFixture<FinishedRow>
{
    public const string Name = "a finished tiny row";
}
