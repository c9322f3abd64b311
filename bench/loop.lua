-- loop: a numeric for loop of 10^8 additions
local s = 0
for i = 1, 100000000 do
	s = s + i
end
print(string.format("%d", s))
