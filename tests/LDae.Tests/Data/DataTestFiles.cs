using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using LDae.Data;
using SkiaSharp;
using TorchSharp;
using Xunit;

namespace LDae.Tests.Data;

/// <summary>
/// A test that reads the CIFAR-10 JPEG tarball: skipped, with the reason, where <c>LDAE_CIFAR10</c> is unset (a plain
/// <c>dotnet test</c> on a machine without the file); .ci/run sets it, so CI runs these.
/// </summary>
public sealed class CifarFactAttribute : FactAttribute
{
    public CifarFactAttribute()
    {
        if (Datasets.Cifar10CopyFromEnvironment() is null)
            Skip = $"set {Datasets.Cifar10PathVariable} to the CIFAR-10 JPEG ImageFolder tarball (cifar10-jpeg.tar.gz) to run this test";
    }
}

/// <summary>Where the real data lives, and small helpers to make (corrupt) inputs in a temporary folder.</summary>
public static class DataTestFiles
{
    /// <summary>The CIFAR-10 JPEG ImageFolder tarball the tests read, named by <c>LDAE_CIFAR10</c> (.ci/run sets it).</summary>
    public static string CifarTarball
    {
        get
        {
            var path = Environment.GetEnvironmentVariable(Datasets.Cifar10PathVariable);
            if (string.IsNullOrWhiteSpace(path))
                throw new InvalidOperationException($"set {Datasets.Cifar10PathVariable} to the CIFAR-10 JPEG ImageFolder tarball (cifar10-jpeg.tar.gz) to run the CIFAR-10 tests");
            if (!File.Exists(path)) throw new FileNotFoundException($"{Datasets.Cifar10PathVariable} names {path}, which is missing", path);
            return Path.GetFullPath(path);
        }
    }

    /// <summary>SHA-256 (first 16 hex digits) and byte sum of one image, C×H×W uint8.</summary>
    public static (long Sum, string Sha) Checksum(ImageDataset d, int index)
    {
        using var image = d.Images[index].contiguous();
        var bytes = image.bytes.ToArray();
        return (bytes.Sum(b => (long)b), Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]);
    }

    public static bool Equal(torch.Tensor a, torch.Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static byte[] Encode(int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    /// <summary>A 4×3 PNG whose pixel (x, y) of image <paramref name="seed"/> is (10x + seed, 20y, 7·seed).</summary>
    public static byte[] Png(int seed, int width = 4, int height = 3) =>
        Encode(width, height, (x, y) => new SKColor((byte)(10 * x + seed), (byte)(20 * y), (byte)(7 * seed)));

    /// <summary>Writes a tar (gzipped if the name ends in .gz) of the given files; a null content makes a folder entry.</summary>
    public static void WriteTar(string path, IEnumerable<(string Name, byte[]? Content)> entries)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var tar = new TarWriter(stream, TarEntryFormat.Pax);
        foreach (var (name, content) in entries)
        {
            var entry = new PaxTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, name);
            if (content is not null) entry.DataStream = new MemoryStream(content);
            tar.WriteEntry(entry);
        }
    }

    /// <summary>Writes <c>&lt;root&gt;/&lt;relative&gt;</c>, creating folders.</summary>
    public static string WriteFile(string root, string relative, byte[] content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ldae-data-test-").FullName;
    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
