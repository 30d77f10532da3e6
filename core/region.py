"""The region the project maps: 聊城市 and a box round it."""

REGION_BOX = (115.0, 35.6, 116.8, 37.2)  # lon min, lat min, lon max, lat max: the city with a margin of ~20 km
