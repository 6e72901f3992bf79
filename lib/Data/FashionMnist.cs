namespace Diffusion.Data;

/// <summary>Fashion-MNIST (Zalando, MIT): 60,000 / 10,000 28x28 clothing images, from Debian's dataset-fashion-mnist.</summary>
public static class FashionMnist
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    public const string HowToInstall =
        "Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four IDX files from github.com/zalandoresearch/fashion-mnist in a folder and pass it.";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static LabelledImages Load(string split, string? folder = null) =>
        Mnist.Load("Fashion-MNIST", split, folder ?? DefaultFolder, ClassNames, HowToInstall);

    public static bool IsPresent(string split, string? folder = null) => Mnist.FilesOf(split, folder ?? DefaultFolder) is (not null, not null);
}
