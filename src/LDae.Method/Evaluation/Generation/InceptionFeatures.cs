using LDae.Files;
using System.Net.Http;
using LDae.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Evaluation.Generation;

/// <summary>
/// FID's feature network: Inception-v3's 2048-d pool3 features, from the TorchScript file the standard FID
/// implementations use (NVIDIA's <c>inception-2015-12-05.pt</c>, the TF-FID graph converted to TorchScript). It is
/// called as those implementations do: images as float in [0, 255], 3 channels (grayscale repeated), resized
/// bilinearly to 299×299, and <c>forward(images, return_features=True)</c>; a module whose forward takes the images
/// alone and returns N×2048 (or N×2048×1×1) features is accepted too.
/// </summary>
/// <remarks>The weights are not part of this repository and cannot be fetched on every machine; <see cref="Fetch"/>
/// tries the published address and otherwise fails with what to do.</remarks>
public sealed class InceptionFeatures : IGenerationFeatures
{
    public const string MetricName = "FID";
    public const string FileName = "inception-2015-12-05.pt";
    public const string Url = "https://api.ngc.nvidia.com/v2/models/nvidia/research/stylegan3/versions/1/files/metrics/inception-2015-12-05.pt";
    public const int InputSize = 299;
    public const int FeatureDim = 2048;

    readonly jit.ScriptModule module;
    readonly string path;

    InceptionFeatures(jit.ScriptModule module, string path)
    {
        this.module = module;
        this.path = path;
    }

    public string Metric => MetricName;
    public string Network => $"Inception-v3 pool3 ({FeatureDim}-d), TorchScript {Path.GetFileName(path)}";
    public double? ClassifierTop1 => null;

    /// <summary>Loads the TorchScript file; a missing or unreadable file is an input error naming it.</summary>
    public static InceptionFeatures Load(string path)
    {
        if (!File.Exists(path))
            throw new DatasetException($"--inception {path}: no such file (the Inception-v3 TorchScript file of the standard FID: {FileName}; `ldae fid --fetch-inception` downloads it where the network allows)");
        try
        {
            var module = jit.load(path);
            module.eval();
            return new InceptionFeatures(module, path);
        }
        catch (Exception e) when (e is not DatasetException)
        {
            throw new DatasetException($"--inception {path}: not a loadable TorchScript module ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>Downloads the weights to <paramref name="destination"/> (temporary file, then renamed), or fails saying how to get them.</summary>
    public static void Fetch(string destination, TextWriter log)
    {
        if (File.Exists(destination)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        log.WriteLine($"[fid] downloading {Url}");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            using var response = http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            response.EnsureSuccessStatusCode();
            AtomicFile.Write(destination, file => response.Content.ReadAsStream().CopyTo(file));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new DatasetException($"could not download the Inception-v3 weights from {Url} ({e.Message}); " +
                                     $"fetch {FileName} on a machine with access and pass it with --inception PATH (or LDAE_INCEPTION)");
        }
    }

    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = images.to_type(ScalarType.Float32);
        if (x.shape[1] == 1) x = x.expand(-1, 3, -1, -1);
        x = nn.functional.interpolate(x, [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false);
        x = ((x + 1) * 127.5).clamp(0, 255);
        var result = Forward(x);
        return result.reshape(result.shape[0], -1).cpu().MoveToOuterDisposeScope();
    }

    Tensor Forward(Tensor x)
    {
        object output;
        try { output = module.call(x, true); }
        catch (Exception) { output = module.call(x); }
        var features = output switch
        {
            Tensor t => t,
            Tensor[] { Length: > 0 } list => list[^1],
            IList<Tensor> { Count: > 0 } list => list[^1],
            _ => throw new InvalidDataException($"{path}: the module returned {output?.GetType().Name ?? "null"}, not a feature tensor"),
        };
        if (features.numel() != x.shape[0] * FeatureDim)
            throw new InvalidDataException($"{path}: expected {FeatureDim} features per image, got shape [{string.Join(",", features.shape)}]");
        return features;
    }

    public void Dispose() => module.Dispose();
}
