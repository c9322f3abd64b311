-- strings: build 10^6 short strings by concatenation, sum their lengths
local total = 0
for i = 1, 1000000 do
	local s = "item" .. i .. ":" .. (i % 7)
	total = total + #s
end
print(string.format("%d", total))
