namespace Diffusion.Data;

/// <summary>
/// One concept of the text-to-image set: what prompts call it (<see cref="Names"/>, each with its article, the
/// first one the main name) and which emoji draw it (single code points; both art styles of each are used).
/// </summary>
public sealed record EmojiConcept(string Key, string[] Names, int[] CodePoints)
{
    public string Name => Names[0];

    /// <summary>Every caption of the concept: each name in each phrasing of <see cref="EmojiConcepts.Phrasings"/>.</summary>
    public IEnumerable<string> Captions => Names.SelectMany(n => EmojiConcepts.Phrasings.Select(p => string.Format(p, n)));
}

/// <summary>
/// The curated concepts of the kit's text-to-image model: every prompt the course uses (rocket, skull, old man,
/// campfire, snowy mountain, waterfalls, a man wearing a hat) plus about 130 other plain, recognisable emoji
/// (animals, plants, food, weather, vehicles, objects, faces) for anagram and hybrid pairs. Few concepts with
/// several pictures each make binding names to pictures learnable on a CPU (docs/measurements.md, "A first emoji
/// text-to-image attempt"). "a high quality photo" is not a concept: the model learns it as a caption of any
/// picture, so it is the course's near-null prompt.
/// </summary>
public static class EmojiConcepts
{
    /// <summary>The phrasings every name is trained with ({0} = "a rocket", "an old man", "waterfalls").</summary>
    public static readonly string[] Phrasings =
    [
        "{0}", "a photo of {0}", "an oil painting of {0}", "a lithograph of {0}", "a drawing of {0}", "an emoji of {0}",
    ];

    /// <summary>The course's near-null prompt (part A 1.3): trained as a caption of every picture.</summary>
    public const string GenericPrompt = "a high quality photo";

    /// <summary>Every prompt the course's part A uses (spec: sections 0, 1.3, 1.7.3, 1.8, 1.9), and the null prompt "".</summary>
    public static readonly string[] CoursePrompts =
    [
        "an oil painting of a snowy mountain village",
        "a man wearing a hat",
        "a rocket ship",
        GenericPrompt,
        "an oil painting of an old man",
        "an oil painting of people around a campfire",
        "a lithograph of a skull",
        "a lithograph of waterfalls",
        "",
    ];

    static EmojiConcept C(string key, string names, params int[] codePoints) =>
        new(key, names.Split('|', StringSplitOptions.TrimEntries), codePoints);

    /// <summary>The concepts, in a fixed order (their index is the label stored with each picture).</summary>
    public static readonly IReadOnlyList<EmojiConcept> All =
    [
        // The course's prompts first.
        C("rocket", "a rocket|a rocket ship|a spaceship", 0x1F680),
        C("skull", "a skull|a skeleton head", 0x1F480, 0x2620),
        C("old-man", "an old man|an elderly man|a grandfather", 0x1F474),
        C("fire", "a fire|a campfire|people around a campfire|flames", 0x1F525),
        C("snowy-mountain", "a snowy mountain|a snow-capped mountain|a snowy mountain village|a mountain", 0x1F3D4, 0x1F5FB),
        C("wave", "a water wave|a wave|waterfalls|a waterfall|the ocean", 0x1F30A),
        C("man-with-hat", "a man wearing a hat|a man with a hat|a cowboy", 0x1F920, 0x1F472),
        // Animals.
        C("dog", "a dog|a puppy", 0x1F436),
        C("cat", "a cat|a kitten", 0x1F431),
        C("mouse", "a mouse", 0x1F42D),
        C("rabbit", "a rabbit|a bunny", 0x1F430),
        C("fox", "a fox", 0x1F98A),
        C("bear", "a bear", 0x1F43B),
        C("panda", "a panda", 0x1F43C),
        C("koala", "a koala", 0x1F428),
        C("tiger", "a tiger", 0x1F42F),
        C("lion", "a lion", 0x1F981),
        C("cow", "a cow", 0x1F42E),
        C("pig", "a pig", 0x1F437),
        C("frog", "a frog", 0x1F438),
        C("monkey", "a monkey", 0x1F435),
        C("chicken", "a chicken|a hen", 0x1F414),
        C("penguin", "a penguin", 0x1F427),
        C("owl", "an owl", 0x1F989),
        C("eagle", "an eagle", 0x1F985),
        C("snake", "a snake", 0x1F40D),
        C("turtle", "a turtle", 0x1F422),
        C("octopus", "an octopus", 0x1F419),
        C("fish", "a tropical fish|a fish", 0x1F420),
        C("whale", "a whale", 0x1F433),
        C("dolphin", "a dolphin", 0x1F42C),
        C("shark", "a shark", 0x1F988),
        C("snail", "a snail", 0x1F40C),
        C("butterfly", "a butterfly", 0x1F98B),
        C("bee", "a bee|a honeybee", 0x1F41D),
        C("ladybug", "a ladybug", 0x1F41E),
        C("spider", "a spider", 0x1F577),
        C("crab", "a crab", 0x1F980),
        C("horse", "a horse", 0x1F434),
        C("unicorn", "a unicorn", 0x1F984),
        C("elephant", "an elephant", 0x1F418),
        C("dragon", "a dragon", 0x1F409),
        C("camel", "a camel", 0x1F42B),
        // Plants.
        C("cactus", "a cactus", 0x1F335),
        C("palm-tree", "a palm tree", 0x1F334),
        C("pine-tree", "a pine tree|a christmas tree", 0x1F332, 0x1F384),
        C("tree", "a tree|an oak tree", 0x1F333),
        C("sunflower", "a sunflower", 0x1F33B),
        C("rose", "a rose|a red rose", 0x1F339),
        C("tulip", "a tulip", 0x1F337),
        C("mushroom", "a mushroom", 0x1F344),
        C("clover", "a four leaf clover|a clover", 0x1F340),
        C("maple-leaf", "a maple leaf|autumn leaves", 0x1F341),
        C("cherry-blossom", "a cherry blossom|a pink flower", 0x1F338),
        // Food and drink.
        C("apple", "a red apple|an apple", 0x1F34E),
        C("banana", "a banana", 0x1F34C),
        C("grapes", "grapes|a bunch of grapes", 0x1F347),
        C("watermelon", "a watermelon", 0x1F349),
        C("strawberry", "a strawberry", 0x1F353),
        C("cherries", "cherries", 0x1F352),
        C("lemon", "a lemon", 0x1F34B),
        C("pineapple", "a pineapple", 0x1F34D),
        C("carrot", "a carrot", 0x1F955),
        C("corn", "an ear of corn|corn", 0x1F33D),
        C("pizza", "a pizza|a slice of pizza", 0x1F355),
        C("hamburger", "a hamburger|a burger", 0x1F354),
        C("hot-dog", "a hot dog", 0x1F32D),
        C("taco", "a taco", 0x1F32E),
        C("fries", "french fries", 0x1F35F),
        C("doughnut", "a doughnut|a donut", 0x1F369),
        C("cookie", "a cookie", 0x1F36A),
        C("cake", "a birthday cake|a cake", 0x1F382),
        C("ice-cream", "an ice cream", 0x1F366),
        C("lollipop", "a lollipop|a candy", 0x1F36D),
        C("bread", "a loaf of bread|bread", 0x1F35E),
        C("cheese", "a cheese|a wedge of cheese", 0x1F9C0),
        C("coffee", "a cup of coffee|a hot drink", 0x2615),
        C("beer", "a beer|a mug of beer", 0x1F37A),
        C("wine", "a glass of wine|a wine glass", 0x1F377),
        // Sky and weather, places.
        C("sun", "the sun|a sunny day", 0x2600),
        C("moon", "a crescent moon|the moon", 0x1F319),
        C("star", "a star", 0x2B50),
        C("cloud", "a cloud", 0x2601),
        C("rainbow", "a rainbow", 0x1F308),
        C("snowflake", "a snowflake", 0x2744),
        C("lightning", "a lightning bolt|lightning", 0x26A1),
        C("umbrella", "an umbrella in the rain|an umbrella", 0x2614, 0x2602),
        C("tornado", "a tornado", 0x1F32A),
        C("comet", "a comet", 0x2604),
        C("globe", "the earth|a globe", 0x1F30D),
        C("volcano", "a volcano", 0x1F30B),
        C("island", "a desert island|an island", 0x1F3DD),
        C("house", "a house|a home", 0x1F3E0),
        C("castle", "a castle", 0x1F3F0),
        C("church", "a church", 0x26EA),
        C("tent", "a tent|a campsite", 0x26FA),
        C("statue-of-liberty", "the statue of liberty", 0x1F5FD),
        C("ferris-wheel", "a ferris wheel", 0x1F3A1),
        // Vehicles.
        C("car", "a car|a red car", 0x1F697),
        C("bus", "a bus", 0x1F68C),
        C("bicycle", "a bicycle|a bike", 0x1F6B2),
        C("airplane", "an airplane|a plane", 0x2708),
        C("helicopter", "a helicopter", 0x1F681),
        C("sailboat", "a sailboat|a boat", 0x26F5),
        C("ship", "a ship|a cruise ship", 0x1F6A2),
        C("train", "a steam locomotive|a train", 0x1F682),
        C("police-car", "a police car", 0x1F693),
        C("fire-engine", "a fire engine|a fire truck", 0x1F692),
        C("tractor", "a tractor", 0x1F69C),
        C("satellite", "a satellite", 0x1F6F0),
        // Objects.
        C("anchor", "an anchor", 0x2693),
        C("hourglass", "an hourglass", 0x231B),
        C("alarm-clock", "an alarm clock|a clock", 0x23F0),
        C("light-bulb", "a light bulb|an idea", 0x1F4A1),
        C("key", "a key", 0x1F511),
        C("lock", "a lock|a padlock", 0x1F512),
        C("bell", "a bell", 0x1F514),
        C("guitar", "a guitar", 0x1F3B8),
        C("violin", "a violin", 0x1F3BB),
        C("trumpet", "a trumpet", 0x1F3BA),
        C("microphone", "a microphone", 0x1F3A4),
        C("headphones", "headphones", 0x1F3A7),
        C("camera", "a camera", 0x1F4F7),
        C("television", "a television|a tv", 0x1F4FA),
        C("telephone", "a telephone|a phone", 0x260E),
        C("laptop", "a laptop|a computer", 0x1F4BB),
        C("books", "books|a stack of books", 0x1F4DA),
        C("pencil", "a pencil", 0x270F),
        C("scissors", "scissors|a pair of scissors", 0x2702),
        C("hammer", "a hammer", 0x1F528),
        C("bomb", "a bomb", 0x1F4A3),
        C("crystal-ball", "a crystal ball", 0x1F52E),
        C("gem", "a gem|a diamond", 0x1F48E),
        C("crown", "a crown", 0x1F451),
        C("ring", "a ring|a diamond ring", 0x1F48D),
        C("balloon", "a balloon|a red balloon", 0x1F388),
        C("gift", "a gift|a present", 0x1F381),
        C("jack-o-lantern", "a jack-o-lantern|a pumpkin", 0x1F383),
        C("soccer-ball", "a soccer ball|a football", 0x26BD),
        C("basketball", "a basketball", 0x1F3C0),
        C("trophy", "a trophy", 0x1F3C6),
        C("glasses", "glasses|a pair of glasses", 0x1F453),
        C("t-shirt", "a t-shirt|a shirt", 0x1F455),
        C("dress", "a dress", 0x1F457),
        C("shoe", "a high-heeled shoe|a shoe", 0x1F460),
        C("top-hat", "a top hat|a hat", 0x1F3A9),
        C("graduation-cap", "a graduation cap", 0x1F393),
        C("heart", "a red heart|a heart|love", 0x2764),
        C("money-bag", "a bag of money|a money bag", 0x1F4B0),
        C("candle", "a candle", 0x1F56F),
        C("pill", "a pill", 0x1F48A),
        // Faces and figures.
        C("grinning-face", "a grinning face|a smiling face|a happy face", 0x1F600),
        C("laughing-face", "a face with tears of joy|a laughing face", 0x1F602),
        C("heart-eyes", "a face with heart eyes|a face in love", 0x1F60D),
        C("sunglasses-face", "a face with sunglasses|a cool face", 0x1F60E),
        C("crying-face", "a crying face|a sad face", 0x1F62D),
        C("angry-face", "an angry face", 0x1F621),
        C("sleeping-face", "a sleeping face", 0x1F634),
        C("santa", "santa claus|father christmas", 0x1F385),
        C("baby", "a baby", 0x1F476),
        C("old-woman", "an old woman|a grandmother", 0x1F475),
        C("princess", "a princess", 0x1F478),
        C("police-officer", "a police officer", 0x1F46E),
        C("angel", "an angel", 0x1F47C),
        C("devil", "a devil|a demon", 0x1F608, 0x1F47F),
        C("ghost", "a ghost", 0x1F47B),
        C("alien", "an alien", 0x1F47D, 0x1F47E),
        C("robot", "a robot", 0x1F916),
        C("clown", "a clown", 0x1F921),
        C("poo", "a pile of poo", 0x1F4A9),
        C("eye", "an eye", 0x1F441),
        C("thumbs-up", "a thumbs up|a hand giving a thumbs up", 0x1F44D),
        C("waving-hand", "a waving hand|a hand", 0x1F44B),
    ];

    /// <summary>The concept a course prompt belongs to (null for the generic and the null prompt).</summary>
    public static EmojiConcept? ConceptOfCaption(string caption) =>
        All.FirstOrDefault(c => c.Captions.Contains(caption, StringComparer.Ordinal));

    /// <summary>Every caption of every concept, the generic prompt and the course's prompts (with "").</summary>
    public static IReadOnlyList<string> AllPrompts() =>
        CoursePrompts.Concat(All.SelectMany(c => c.Captions)).Append(GenericPrompt).Distinct(StringComparer.Ordinal).ToList();
}
