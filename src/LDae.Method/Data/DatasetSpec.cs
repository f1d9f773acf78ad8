namespace LDae.Data;

/// <summary>
/// Which dataset to load, as an experiment config names it.
/// </summary>
/// <param name="Name">"fashion-mnist" | "cifar10" | "imagefolder" (case-insensitive).</param>
/// <param name="Path">For "imagefolder": a folder, .tar or .tar.gz with &lt;split&gt;/&lt;class&gt;/&lt;image&gt;.
/// For "cifar10": an ImageFolder copy to read instead of the official binary (see <see cref="Datasets"/>).</param>
/// <param name="ImageSize">Resize the shorter side to this and centre-crop to a square, once at prepare time.
/// Null keeps the native size (and then every image must have the same size).</param>
/// <param name="PerClassLimit">Keep only the first k images of every class in each split (source order),
/// e.g. for fast tests or small runs. Null keeps everything.</param>
public sealed record DatasetSpec(string Name, string? Path = null, int? ImageSize = null, int? PerClassLimit = null);

/// <summary>The train and test splits of one dataset (same classes, same image shape).</summary>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset Test) : IDisposable
{
    /// <summary>SHA-256 (hex) of the data cache file's contents these splits were read from or written to; null before caching.</summary>
    public string? Sha256 { get; init; }

    /// <summary>The content digest of these splits (<see cref="DataDigest"/>): what a result records as the data it ran on; null before caching.</summary>
    public string? ContentDigest { get; init; }

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
