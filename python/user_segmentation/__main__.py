import sys

from user_segmentation.cli import main

sys.exit(main())
