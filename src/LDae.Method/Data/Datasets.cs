using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// The one entry point of the data layer: a <see cref="DatasetSpec"/> in, train and test
/// <see cref="ImageDataset"/>s out, decoded once and then served from the cache.
/// </summary>
/// <remarks>
/// <para>Sources per name:</para>
/// <list type="bullet">
/// <item>"fashion-mnist": the official IDX files (see <see cref="FashionMnist"/>: Debian package, cache, download).</item>
/// <item>"cifar10": an ImageFolder copy when <see cref="DatasetSpec.Path"/> names one (a folder, .tar or .tar.gz
/// with train/ and test/ by class, e.g. a JPEG tarball; runs fill it from <c>data.path</c> or
/// <see cref="Cifar10CopyFromEnvironment"/>); otherwise the official binary archive, from <c>&lt;cache&gt;/cifar10/</c>
/// or downloaded. The two sources give
/// different pixels (JPEG is lossy), so they are cached separately and the source is part of the cache key.</item>
/// <item>"imagefolder": <see cref="DatasetSpec.Path"/>, read by <see cref="ImageFolder"/>.</item>
/// </list>
/// <para>The cache file is named by dataset, size, limit and a hash of the source's identity (path, file sizes and
/// times), so a changed source or option builds a new file instead of reusing a wrong one. What a result records
/// as its data is not that name but the content digest of the decoded pixels and labels (<see cref="DataDigest"/>),
/// stored beside the cache file (<see cref="CachedDataDigest"/>).</para>
/// </remarks>
public static class Datasets
{
    public static readonly IReadOnlyList<string> KnownNames = [FashionMnist.Name, Cifar10Binary.Name, ImageFolder.Name];

    /// <summary>Names an ImageFolder copy of CIFAR-10 to use instead of the official binary (see the remarks).</summary>
    public const string Cifar10PathVariable = "LDAE_CIFAR10";

    /// <summary>The CIFAR-10 copy <c>LDAE_CIFAR10</c> names, or null when it is unset.</summary>
    public static string? Cifar10CopyFromEnvironment() =>
        Environment.GetEnvironmentVariable(Cifar10PathVariable) is { } p && !string.IsNullOrWhiteSpace(p) ? Path.GetFullPath(p) : null;

    /// <summary>Loads both splits with their content digest, from the cache if it is there, else from the source (and writes the cache).</summary>
    public static DatasetSplits Load(DatasetSpec spec, string cacheDir, TextWriter? log = null)
    {
        var source = Resolve(spec, cacheDir, log);
        var path = CachePath(cacheDir, spec, source);
        var clock = Stopwatch.StartNew();
        if (DatasetCache.TryRead(path, CacheKey(spec, source), log) is { } cached)
        {
            log?.WriteLine($"[data] {spec.Name}: read cache {path} in {clock.Elapsed.TotalSeconds:0.00} s ({Describe(cached)})");
            return WithDigest(cached, spec, path, log);
        }
        return Build(spec, source, path, log);
    }

    /// <summary>
    /// The content digest (<see cref="DataDigest"/>) of the data <paramref name="spec"/> names: read from beside its
    /// cache file when it was stored for the cache's contents, else computed from the cache (built first if needed)
    /// and stored. A damaged cache file is found and rebuilt when a run reads it; its digest is of the same data.
    /// </summary>
    public static string ContentDigest(DatasetSpec spec, string cacheDir, TextWriter? log = null)
    {
        var path = CachePath(cacheDir, spec, Resolve(spec, cacheDir, log));
        if (DatasetCache.StoredSha256(path) is { } sha && CachedDataDigest.TryRead(path, sha) is { } digest) return digest;
        using var splits = Load(spec, cacheDir, log);
        return splits.ContentDigest!;
    }

    /// <summary>The cache's splits with their content digest: the one stored beside the file, else computed now and stored.</summary>
    static DatasetSplits WithDigest(DatasetSplits cached, DatasetSpec spec, string path, TextWriter? log)
    {
        if (CachedDataDigest.TryRead(path, cached.Sha256!) is { } stored) return cached with { ContentDigest = stored };
        var digest = DataDigest.Of(cached);
        CachedDataDigest.Write(path, cached.Sha256!, digest);
        log?.WriteLine($"[data] {spec.Name}: content digest {digest} stored beside the cache");
        return cached with { ContentDigest = digest };
    }

    /// <summary>Makes sure the cache for <paramref name="spec"/> exists (building it if needed) and returns its path.</summary>
    public static string Prepare(DatasetSpec spec, string cacheDir, TextWriter? log = null)
    {
        var source = Resolve(spec, cacheDir, log);
        var path = CachePath(cacheDir, spec, source);
        using (var cached = DatasetCache.TryRead(path, CacheKey(spec, source), log))
            if (cached is not null)
            {
                WithDigest(cached, spec, path, log); // shares cached's tensors, which the using disposes
                log?.WriteLine($"[data] {spec.Name}: cache {path} is up to date");
                return path;
            }
        using var built = Build(spec, source, path, log);
        return path;
    }

    /// <summary>The cache file <see cref="Load"/> would use for <paramref name="spec"/> (resolving, possibly fetching, the source).</summary>
    public static string CacheFile(DatasetSpec spec, string cacheDir, TextWriter? log = null) =>
        CachePath(cacheDir, spec, Resolve(spec, cacheDir, log));

    /// <summary>Environment variable <c>LDAE_DATA</c>, else <c>&lt;repo&gt;/.data</c>, else <c>~/.cache/ldae</c>.</summary>
    public static string DefaultCacheDir() => DefaultCacheDir(Environment.GetEnvironmentVariable("LDAE_DATA"), repoSearchStart: null);

    /// <summary><see cref="DefaultCacheDir()"/> with its inputs explicit: the value of <c>LDAE_DATA</c> and where to
    /// start looking for the repository (null: the current directory, then the application's folder).</summary>
    public static string DefaultCacheDir(string? ldaeData, string? repoSearchStart)
    {
        if (!string.IsNullOrWhiteSpace(ldaeData)) return Path.GetFullPath(ldaeData);
        if (FindRepoRoot(repoSearchStart) is { } root) return Path.Combine(root, ".data");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ldae");
    }

    /// <summary>The nearest folder holding LDae.sln, walking up from <paramref name="start"/> (default: the current
    /// directory, then the application's folder); null if there is none.</summary>
    public static string? FindRepoRoot(string? start = null)
    {
        foreach (var origin in start is null ? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory] : new[] { start })
            for (var dir = new DirectoryInfo(Path.GetFullPath(origin)); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LDae.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>Where the data comes from: a kind, a path, an identity for the cache key, and a reader.</summary>
    sealed record Source(string Kind, string Path, string Identity, Func<DatasetSplits> Read);

    static Source Resolve(DatasetSpec spec, string cacheDir, TextWriter? log)
    {
        if (spec.ImageSize is <= 0) throw new DatasetException($"dataset '{spec.Name}': ImageSize must be positive, got {spec.ImageSize}");
        if (spec.PerClassLimit is <= 0) throw new DatasetException($"dataset '{spec.Name}': PerClassLimit must be positive, got {spec.PerClassLimit}");
        switch (spec.Name.ToLowerInvariant())
        {
            case FashionMnist.Name:
            {
                var dir = FashionMnist.Locate(cacheDir, log: log);
                return new Source("idx", dir, Identity(FashionMnist.Files.Select(f => Path.Combine(dir, f.File))),
                                  () => FashionMnist.ReadDirectory(dir));
            }
            case Cifar10Binary.Name:
            {
                if (spec.Path is not null) return ImageFolderSource(spec, Cifar10Binary.Name);
                var found = Cifar10Binary.Find(cacheDir) ?? Cifar10Binary.Fetch(cacheDir, log: log);
                return new Source("cifar-binary", found, Identity([found]), () => Cifar10Binary.Read(found));
            }
            case ImageFolder.Name:
                if (spec.Path is null) throw new DatasetException("dataset 'imagefolder' needs a Path (a folder, .tar or .tar.gz with <split>/<class>/<image>)");
                return ImageFolderSource(spec, ImageFolder.Name);
            default:
                throw new DatasetException($"unknown dataset '{spec.Name}' (known: {string.Join(", ", KnownNames)})");
        }
    }

    static Source ImageFolderSource(DatasetSpec spec, string datasetName)
    {
        var path = Path.GetFullPath(spec.Path!);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new DatasetException(path, "not found (expected a folder, .tar or .tar.gz with <split>/<class>/<image>)");
        // Resizing and the per-class limit are applied while decoding: cheaper, and resizing sees the original.
        var options = new ImageFolderOptions(spec.ImageSize, spec.PerClassLimit);
        var files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [path];
        return new Source("imagefolder", path, Identity(files), () => ImageFolder.Read(path, options, datasetName));
    }

    static DatasetSplits Build(DatasetSpec spec, Source source, string cachePath, TextWriter? log)
    {
        var clock = Stopwatch.StartNew();
        var splits = source.Read();
        try
        {
            if (source.Kind != "imagefolder") splits = Reshape(splits, spec);
            log?.WriteLine($"[data] {spec.Name}: decoded {source.Path} in {clock.Elapsed.TotalSeconds:0.00} s ({Describe(splits)})");
            clock.Restart();
            var sha = DatasetCache.Write(cachePath, CacheKey(spec, source), splits);
            var digest = DataDigest.Of(splits);
            CachedDataDigest.Write(cachePath, sha, digest);
            log?.WriteLine($"[data] {spec.Name}: wrote cache {cachePath} ({new FileInfo(cachePath).Length / 1e6:0.0} MB) in {clock.Elapsed.TotalSeconds:0.00} s; content digest {digest}");
            return splits with { Sha256 = sha, ContentDigest = digest };
        }
        catch
        {
            splits.Dispose();
            throw;
        }
    }

    /// <summary>Applies the per-class limit and the resize to sources decoded at native size.</summary>
    static DatasetSplits Reshape(DatasetSplits splits, DatasetSpec spec)
    {
        if (spec.PerClassLimit is { } k)
        {
            var limited = new DatasetSplits(splits.Train.TakePerClass(k, splits.Train.Name), splits.Test.TakePerClass(k, splits.Test.Name));
            splits.Dispose();
            splits = limited;
        }
        if (spec.ImageSize is { } size && (splits.Train.Height != size || splits.Train.Width != size))
        {
            var resized = new DatasetSplits(ImageResize.ToSquare(splits.Train, size), ImageResize.ToSquare(splits.Test, size));
            splits.Dispose();
            splits = resized;
        }
        return splits;
    }

    static string CacheKey(DatasetSpec spec, Source source) =>
        $"{spec.Name.ToLowerInvariant()}|{source.Kind}|{source.Identity}|size={spec.ImageSize?.ToString() ?? "native"}|limit={spec.PerClassLimit?.ToString() ?? "all"}";

    static string CachePath(string cacheDir, DatasetSpec spec, Source source)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CacheKey(spec, source))))[..12];
        var size = spec.ImageSize is { } s ? $"{s}px" : "native";
        var limit = spec.PerClassLimit is { } k ? $"-{k}perclass" : "";
        return Path.Combine(cacheDir, $"{spec.Name.ToLowerInvariant()}-{source.Kind}-{size}{limit}-{hash}{DatasetCache.Extension}");
    }

    /// <summary>
    /// Path, size and modification time of every file, hashed: cheap (no file content is read), and it changes
    /// whenever the source is replaced or edited.
    /// </summary>
    static string Identity(IEnumerable<string> files)
    {
        var list = files.Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
        var text = string.Join("\n", list.Select(f =>
        {
            var info = new FileInfo(f);
            return $"{info.FullName}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
        }));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        var where = list.Count == 1 ? list[0] : Path.GetDirectoryName(list.FirstOrDefault() ?? "") ?? "";
        return $"{where} ({list.Count} file{(list.Count == 1 ? "" : "s")}, {hash})";
    }

    static string Describe(DatasetSplits s) =>
        $"train {s.Train.Count}, test {s.Test.Count}, {s.Train.Channels}×{s.Train.Height}×{s.Train.Width}, {s.Train.ClassNames.Count} classes";
}
