using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28×28 grayscale, 10 classes, 60,000 train / 10,000 test,
/// in the official gzipped IDX files.
/// </summary>
/// <remarks>
/// Where the files are looked for, in order: the Debian package <c>dataset-fashion-mnist</c>
/// (<see cref="SystemDir"/>), then <c>&lt;cache&gt;/fashion-mnist</c>; if neither has all four files they are
/// downloaded into the latter from the official locations and checked against the published MD5s.
/// Files found locally are trusted as they are (Debian recompresses them, so their gzip bytes differ from the
/// published ones; the IDX reader still checks magic and sizes).
/// </remarks>
public static class FashionMnist
{
    public const string Name = "fashion-mnist";
    public const string SystemDir = "/usr/share/datasets/fashion-mnist";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The official files and their published MD5s (github.com/zalandoresearch/fashion-mnist).</summary>
    public static readonly IReadOnlyList<(string File, string Md5)> Files =
    [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ];

    /// <summary>Official download locations: the project's GitHub repository, then its S3 website.</summary>
    public static readonly IReadOnlyList<string> Mirrors =
    [
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ];

    public static string CacheSubdir(string cacheDir) => Path.Combine(cacheDir, Name);

    /// <summary>
    /// The folder holding all four files: the first of <paramref name="searchDirs"/> (default: <see cref="SystemDir"/>,
    /// then the cache) that has them, else the cache after downloading from <paramref name="mirrors"/>.
    /// </summary>
    public static string Locate(string cacheDir, IReadOnlyList<string>? searchDirs = null, IReadOnlyList<string>? mirrors = null,
                                TextWriter? log = null)
    {
        var target = CacheSubdir(cacheDir);
        searchDirs ??= [SystemDir, target];
        foreach (var dir in searchDirs)
            if (Files.All(f => File.Exists(Path.Combine(dir, f.File)))) return dir;

        string how = $"Install it with `sudo apt-get install dataset-fashion-mnist` (files in {SystemDir}), " +
                     $"or copy the four official files ({string.Join(", ", Files.Select(f => f.File))}) into {target}.";
        log?.WriteLine($"[data] Fashion-MNIST not found in {string.Join(" or ", searchDirs)}; downloading into {target}");
        foreach (var (file, md5) in Files)
        {
            var dest = Path.Combine(target, file);
            if (!File.Exists(dest)) Download.FileWithMd5(mirrors ?? Mirrors, file, dest, md5, how, log);
        }
        return target;
    }

    /// <summary>Reads both splits from a folder with the four (gzipped) IDX files.</summary>
    public static DatasetSplits ReadDirectory(string dir)
    {
        var train = ReadSplit(dir, "train", "train");
        try { return new DatasetSplits(train, ReadSplit(dir, "t10k", "test")); }
        catch { train.Dispose(); throw; }
    }

    static ImageDataset ReadSplit(string dir, string prefix, string split)
    {
        string imagesPath = Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz");
        var (shape, pixels) = IdxFile.ReadUInt8(imagesPath, 3);
        var (labelShape, labelBytes) = IdxFile.ReadUInt8(labelsPath, 1);
        if (labelShape[0] != shape[0])
            throw new DatasetException(labelsPath, $"size mismatch: {labelShape[0]} labels for {shape[0]} images in {Path.GetFileName(imagesPath)}");
        int bad = Array.FindIndex(labelBytes, l => l >= ClassNames.Count);
        if (bad >= 0)
            throw new DatasetException(labelsPath, $"label {labelBytes[bad]} at index {bad} is outside 0..{ClassNames.Count - 1}");

        using var scope = NewDisposeScope();
        var images = tensor(pixels, [shape[0], 1, shape[1], shape[2]], ScalarType.Byte);
        var labels = tensor(labelBytes, [labelBytes.Length], ScalarType.Byte).to_type(ScalarType.Int64);
        return new ImageDataset($"{Name}/{split}", images, labels, ClassNames);
    }
}
