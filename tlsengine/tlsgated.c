/* tlsgated: placeholder main until the engines land (issue 3). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "tlsgated: the engines are not built yet\n");
	return 1;
}
